import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pimm.planning import models as pm
from pimm.pseudonyms import identifying_reason
from pimm.registry import access as registry_access
from pimm.registry.forms import ScopedForm
from pimm.registry.models import Equipment, Member, Site


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    start = forms.DateField(
        label=_("Début"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("Fin (exclue)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pooled = forms.BooleanField(label=_("Parts mutualisées par modalité"), required=False)
    method = forms.ChoiceField(
        label=_("Méthode"), choices=pm.VacationPlan.Method.choices, initial="cpsat"
    )
    time_limit_s = forms.IntegerField(
        label=_("Temps de calcul maximal (s)"), min_value=1, max_value=600, initial=10
    )


class BookingForm(forms.Form):
    order_reference = forms.CharField(label=_("Référence de la demande"), max_length=64)
    exam_type = forms.ModelChoiceField(
        label=_("Type d'examen"), queryset=pm.ExamType.objects.order_by("modality", "label")
    )
    patient_pseudonym = forms.CharField(
        label=_("Pseudonyme patient"),
        max_length=40,
        help_text=_("Jamais le nom du patient (ex. PAT-7F3K21)."),
    )
    member = forms.ModelChoiceField(label=_("Membre demandeur"), queryset=Member.objects.none())
    priority = forms.ChoiceField(label=_("Priorité"), choices=pm.Priority.choices)
    purpose = forms.ChoiceField(
        label=_("Besoin spécialisé"),
        choices=[("", _("aucun")), *[(p.value, p.label) for p in pm.SPECIALISED]],
        required=False,
    )
    preferred_site = forms.ModelChoiceField(
        label=_("Site préféré"), queryset=Site.objects.order_by("name"), required=False
    )
    needs_accessibility = forms.BooleanField(label=_("Patient à mobilité réduite"), required=False)
    not_before = forms.DateField(
        label=_("Pas avant le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Les créneaux proposés commencent ce jour-là au plus tôt."),
    )
    slot = forms.ModelChoiceField(
        queryset=pm.Slot.objects.all(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members if members is not None else Member.objects.none()
        if members is not None and members.count() == 1:
            self.fields["member"].initial = members.first().pk

    def clean_not_before(self):
        """A day to a local midnight: the engine searches from there."""
        day = self.cleaned_data.get("not_before")
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

    def clean_patient_pseudonym(self):
        value = self.cleaned_data["patient_pseudonym"]
        reason = identifying_reason(value)
        if reason:
            raise forms.ValidationError(reason)
        return value


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Motif d'annulation"), max_length=255)


class ClosureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=pm.Closure.Kind.choices)
    start = forms.DateTimeField(
        label=_("Début"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=_("Fin"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("Motif"), max_length=200)


# ---- setup (shown and saved by the registry's generic screens, see `planning.screens`) -------

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class _DeviceForm(ScopedForm):
    """Setup form whose `equipment` choices are the devices the user may write."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "equipment" in self.fields:
            self.fields["equipment"].queryset = registry_access.writable(
                self.user, Equipment
            ).order_by("code")


class DeviceProfileForm(_DeviceForm):
    class Meta:
        model = pm.DeviceProfile
        fields = [
            "equipment",
            "merm_required",
            "requires_presence",
            "open_on_holidays",
            "accessible",
        ]


class OpeningHoursForm(_DeviceForm):
    class Meta:
        model = pm.OpeningHours
        fields = ["equipment", "weekday", "part", "start", "end"]
        widgets = {"start": TIME, "end": TIME}


class ClosureSetupForm(_DeviceForm):
    class Meta:
        model = pm.Closure
        fields = ["equipment", "kind", "start", "end", "reason"]
        widgets = {"start": DATETIME, "end": DATETIME}


class ExamTypeForm(ScopedForm):
    class Meta:
        model = pm.ExamType
        fields = ["code", "label", "modality", "minutes", "radiologist_required", "purpose"]


class SlotTemplateForm(_DeviceForm):
    class Meta:
        model = pm.SlotTemplate
        fields = [
            "code",
            "equipment",
            "modality",
            "slot_minutes",
            "emergency_slots",
            "emergency_slots_pdses",
            "emergency_release_minutes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"].required = False


class SpecialisedQuotaForm(ScopedForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours"),
        choices=pm.Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun jour coché : tous les jours."),
    )

    class Meta:
        model = pm.SpecialisedQuota
        fields = ["template", "purpose", "slots", "release_minutes", "weekdays"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = pm.SlotTemplate.objects.filter(
            pk__in=registry_access.writable(self.user, pm.SlotTemplate)
        ).order_by("code")
