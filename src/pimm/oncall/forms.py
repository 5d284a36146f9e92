"""On-call forms (validation of shapes only; rules live in services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pimm.registry.models import Competence, Member, Practitioner, Site

from .models import (
    Category,
    OnCallLine,
    PointWeights,
    Preference,
    Rota,
    RotaShift,
    Unavailability,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LineForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Horaires couverts"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites couverts"), queryset=Site.objects.order_by("code")
    )
    competence = forms.ChoiceField(
        label=_("Compétence requise"), choices=Competence.choices, required=False
    )

    class Meta:
        model = OnCallLine
        fields = [
            "code",
            "name",
            "kind",
            "categories",
            "sites",
            "remote_allowed",
            "competence",
            "active",
        ]


class RotaForm(forms.ModelForm):
    declared = forms.CharField(
        label=_("Quotas déclarés"),
        required=False,
        help_text=_(
            "Une ligne par membre : « code du membre : pourcentage » (si « quotas déclarés »)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Rota
        fields = [
            "title",
            "start",
            "end",
            "quota_source",
            "quota_tolerance",
            "max_consecutive_duties",
            "max_nights_per_month",
            "swaps_need_approval",
        ]
        widgets = {"start": DATE, "end": DATE}

    def clean_declared(self) -> dict[str, float]:
        out = {}
        codes = {m.code.upper(): m.pk for m in Member.objects.all()}
        for n, raw in enumerate(self.cleaned_data.get("declared", "").splitlines(), 1):
            if not raw.strip():
                continue
            code, _sep, value = raw.partition(":")
            try:
                out[str(codes[code.strip().upper()])] = float(value.replace(",", ".").strip(" %"))
            except (KeyError, ValueError):
                raise forms.ValidationError(
                    _("Ligne %(n)s : « code : pourcentage » attendu, membre connu.") % {"n": n}
                ) from None
        return out


class UnavailabilityForm(forms.ModelForm):
    class Meta:
        model = Unavailability
        fields = ["start", "end", "reason"]
        widgets = {"start": DATE, "end": DATE}


class AbsenceForm(UnavailabilityForm):
    """ "Réviser": whose absence and for which dates (an unavailability, then a re-solve)."""

    practitioner = forms.ModelChoiceField(
        label=_("Radiologue absent"),
        queryset=Practitioner.objects.none(),
        required=False,
        help_text=_("Laissez vide pour une révision sans absence (lignes ou règles changées)."),
    )

    class Meta(UnavailabilityForm.Meta):
        fields = ["practitioner", "start", "end", "reason"]

    def __init__(self, *args, people, rota, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = people
        for name in ("start", "end", "reason"):
            self.fields[name].required = False
        self.rota = rota
        self.fields["reason"].initial = _("absence")

    def _post_clean(self):
        """No model instance to validate: the service writes the absence."""

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("practitioner") is None:
            if start or end:
                raise forms.ValidationError(_("Indiquez le radiologue absent."))
            return data
        if not (start and end):
            raise forms.ValidationError(_("Indiquez les dates de l'absence (du … au …)."))
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La fin de l'absence précède son début."))
            if end < self.rota.start or start > self.rota.end:
                raise forms.ValidationError(
                    _("L'absence doit toucher la période du tableau (du %(start)s au %(end)s).")
                    % {"start": f"{self.rota.start:%d/%m/%Y}", "end": f"{self.rota.end:%d/%m/%Y}"}
                )
        return data


class PreferenceForm(forms.ModelForm):
    weight = forms.TypedChoiceField(
        label=_("Souhait"),
        coerce=int,
        choices=[
            (3, _("+3 je souhaite fortement être de garde")),
            (1, _("+1 je veux bien être de garde")),
            (-1, _("−1 plutôt pas de garde")),
            (-3, _("−3 surtout pas de garde")),
        ],
    )

    class Meta:
        model = Preference
        fields = ["date", "weight", "note"]
        widgets = {"date": DATE}


class ShiftChoice(forms.ModelChoiceField):
    def label_from_instance(self, s: RotaShift) -> str:
        holder = getattr(getattr(s, "assignment", None), "practitioner", "")
        return f"{s.date:%d/%m/%Y} {s.get_category_display()} — {s.line.name} — {holder}"


class SwapForm(forms.Form):
    shift = ShiftChoice(label=_("Ma garde"), queryset=RotaShift.objects.none())
    other_shift = ShiftChoice(
        label=_("Échanger contre la garde"), queryset=RotaShift.objects.none(), required=False
    )
    to_practitioner = forms.ModelChoiceField(
        label=_("… ou la céder à"), queryset=Practitioner.objects.none(), required=False
    )
    message = forms.CharField(label=_("Message"), required=False, max_length=300)

    def __init__(self, *args, mine, others, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = mine
        self.fields["other_shift"].queryset = others
        self.fields["to_practitioner"].queryset = people

    def clean(self):
        data = super().clean()
        if not data.get("other_shift") and not data.get("to_practitioner"):
            raise forms.ValidationError(
                _("Choisissez une garde à échanger ou un praticien à qui céder la vôtre.")
            )
        if data.get("other_shift") and data.get("to_practitioner"):
            raise forms.ValidationError(_("Échange ou cession : choisissez l'un ou l'autre."))
        return data


class WeightsForm(forms.ModelForm):
    class Meta:
        model = PointWeights
        fields = [
            "weeknight",
            "weekend_day",
            "weekend_night",
            "holiday_day",
            "holiday_night",
            "astreinte_percent",
        ]
        widgets = {
            f: forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "max": "10"})
            for f in ("weeknight", "weekend_day", "weekend_night", "holiday_day", "holiday_night")
        }

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:  # a French decimal comma is accepted ("1,5")
            data = data.copy()
            for name in self.Meta.widgets:
                if isinstance(data.get(name), str):
                    data[name] = data[name].replace(",", ".").strip()
        super().__init__(data, *args, **kwargs)
