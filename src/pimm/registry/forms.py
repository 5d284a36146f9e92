"""Registry forms: field choices narrowed to what the user may touch; no saving logic here."""

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _

from pimm.registry import access
from pimm.registry import models as m
from pimm.registry.imports import IMPORT_SUFFIXES, KINDS, MAX_BYTES, too_big_message

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScopedForm(forms.ModelForm):
    """A ModelForm that knows its user and restricts member/site choices to their scope."""

    member_fields: tuple[str, ...] = ()
    site_fields: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        members = access.member_choices(user)
        for name in self.member_fields:
            if name in self.fields:
                self.fields[name].queryset = members
        for name in self.site_fields:
            if name in self.fields:
                current = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
                self.fields[name].queryset = access.site_choices(user, current)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DATE


class PlatformForm(ScopedForm):
    class Meta:
        model = m.Platform
        fields = [
            "name",
            "legal_form",
            "carrier_name",
            "siren",
            "region",
            "ars_decision",
            "authorized_on",
            "renewal_notice_months",
        ]


class MemberForm(ScopedForm):
    class Meta:
        model = m.Member
        fields = [
            "platform",
            "code",
            "name",
            "kind",
            "finess",
            "siren",
            "is_ght_lead",
            "address",
            "joined_on",
            "left_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None and not self.user.is_platform_staff:
            # a member manager edits their own member but cannot move it to another platform
            self.fields["platform"].disabled = True


class SiteForm(ScopedForm):
    member_fields = ("member",)

    class Meta:
        model = m.Site
        fields = [
            "member",
            "code",
            "name",
            "finess",
            "address",
            "postcode",
            "town",
            "departement",
            "latitude",
            "longitude",
        ]


class EquipmentForm(ScopedForm):
    member_fields = ("holder",)  # a device is held by a member the user may attach objects to
    site_fields = ("site",)

    class Meta:
        model = m.Equipment
        fields = [
            "code",
            "name",
            "modality",
            "site",
            "holder",
            "manufacturer",
            "model_name",
            "installed_on",
            "active",
        ]


class AuthorizationForm(ScopedForm):
    class Meta:
        model = m.Authorization
        fields = [
            "equipment",
            "number",
            "decided_on",
            "starts_on",
            "ends_on",
            "status",
            "status_from",
            "status_reference",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"].queryset = access.writable(self.user, m.Equipment)
        self.fields["status"].required = False  # a new decision is granted unless told

    def clean_status(self) -> str:
        return self.cleaned_data.get("status") or m.Authorization.Status.GRANTED


class PractitionerForm(ScopedForm):
    """Privileges may be held on any site of the platform, so `sites` is not member-scoped."""

    member_fields = ("member",)
    competences = forms.MultipleChoiceField(
        label=_("compétences"),
        choices=m.Competence.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = m.Practitioner
        fields = [
            "member",
            "rpps",
            "first_name",
            "last_name",
            "status",
            "competences",
            "working_time",
            "sites",
            "email",
            "phone",
            "active",
        ]
        widgets = {"sites": forms.CheckboxSelectMultiple}


class TechnologistForm(ScopedForm):
    member_fields = ("member",)
    site_fields = ("site",)
    modalities = forms.MultipleChoiceField(
        label=_("modalités"),
        choices=m.Modality.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = m.Technologist
        fields = [
            "member",
            "site",
            "first_name",
            "last_name",
            "rpps",
            "modalities",
            "working_time",
            "active",
        ]


class ConventionForm(ScopedForm):
    class Meta:
        model = m.Convention
        fields = [
            "platform",
            "title",
            "version",
            "signed_on",
            "effective_from",
            "effective_to",
            "notes",
        ]


class CommaDecimalInput(forms.TextInput):
    """A number typed the French way: shown "12,5", a decimal keypad on a phone."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        text = super().format_value(value)
        return text.replace(".", ",") if text else text


class CommaDecimalField(forms.DecimalField):
    """A decimal that accepts "12,5" as well as "12.5" (and spaces between thousands), in French
    and English pages alike."""

    widget = CommaDecimalInput

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
            value = value.replace(",", ".")
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)  # a text input: no spinner, no browser-side dot rule
        return attrs


def _share(label, dimension: str) -> CommaDecimalField:
    return CommaDecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        widget=CommaDecimalInput({"data-sum": dimension}),
    )


class ShareForm(forms.Form):
    member = forms.ModelChoiceField(queryset=m.Member.objects.all(), widget=forms.HiddenInput)
    time_share = _share(_("temps machine (%)"), "time")
    revenue_share = _share(_("recettes (%)"), "revenue")
    cost_share = _share(_("charges (%)"), "cost")


ShareFormSet = forms.formset_factory(ShareForm, extra=0)


class AmendmentForm(forms.Form):
    """An amendment (avenant) to a signed convention: its date of effect, its signature and, in
    the same page, the sharing keys of the new version."""

    effective_from = forms.DateField(
        label=_("En vigueur à partir du"), widget=forms.DateInput(attrs={"type": "date"})
    )
    signed_on = forms.DateField(
        label=_("Signé le"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    title = forms.CharField(label=_("Intitulé de l'avenant"), max_length=200, required=False)
    notes = forms.CharField(label=_("Remarques"), required=False, widget=forms.Textarea)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type de données"), choices=[(k.key, k.label) for k in KINDS.values()]
    )
    file = forms.FileField(label=_("Fichier CSV ou XLSX"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before a byte of it is parsed
            raise forms.ValidationError(too_big_message())
        if PurePath(upload.name or "").suffix.lower() not in IMPORT_SUFFIXES:
            raise forms.ValidationError(
                _("Format non pris en charge : utilisez un fichier .csv ou .xlsx.")
            )
        return upload
