from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from pimm.ledger import models as lm


class CostLineForm(forms.ModelForm):
    class Meta:
        model = lm.CostLine
        fields = [
            "kind",
            "category",
            "label",
            "amount",
            "basis",
            "mix_time",
            "mix_activity",
            "mix_fixed",
        ]


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("Enveloppe (€)"), min_value=0, decimal_places=2)
    activity_weight = forms.DecimalField(
        label=_("Points par acte"), min_value=0, decimal_places=3, initial=Decimal(1)
    )
    duty_weight = forms.DecimalField(
        label=_("Coefficient des points de garde"),
        min_value=0,
        decimal_places=3,
        initial=Decimal(1),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Fichier CSV ou XLSX"))


class ExtraFeeForm(forms.Form):
    exam = forms.IntegerField(label=_("Examen (numéro)"), min_value=1)
    amount = forms.DecimalField(label=_("Dépassement (€)"), decimal_places=2)
