"""Forms of the evaluation room (parse only; the services decide and write)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pimm.evaluation import models as ev
from pimm.evaluation.indicators import REGISTRY
from pimm.registry import selectors as registry


def _indicator_choices():
    return [(code, f"{ind.name} [{code}]") for code, ind in REGISTRY.items()]


class CommitmentForm(forms.ModelForm):
    indicators = forms.MultipleChoiceField(
        label=_("Indicateurs"),
        required=False,
        choices=_indicator_choices,
        help_text=_("Le premier coché (dans l'ordre de la liste) est l'indicateur principal."),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ev.Commitment
        fields = [
            "topic",
            "title",
            "target",
            "target_value",
            "higher_is_better",
            "period_start",
            "period_end",
            "owner",
            "indicators",
            "notes",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = registry.members()


class EvidenceForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    count = forms.IntegerField(label=_("Nombre"), required=False)
    hours = forms.DecimalField(label=_("Heures"), required=False, max_digits=8, decimal_places=2)
    description = forms.CharField(label=_("Description"), max_length=300)
    member = forms.ModelChoiceField(label=_("Membre"), required=False, queryset=None)
    attachment = forms.FileField(label=_("Pièce jointe"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = registry.members()


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=ev.ReportKind.choices)
    year = forms.IntegerField(
        label=_("Année d'autorisation (rapport d'étape)"), required=False, min_value=1, max_value=7
    )
    title = forms.CharField(label=_("Titre"), required=False, max_length=200)


class AnnexForm(forms.Form):
    kind = forms.ChoiceField(label=_("Pièce"), choices=ev.AnnexKind.choices)
    member = forms.ModelChoiceField(label=_("Membre"), required=False, queryset=None)
    signed_on = forms.DateField(
        label=_("Signée le"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    attachment = forms.FileField(label=_("Fichier"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = registry.members()
