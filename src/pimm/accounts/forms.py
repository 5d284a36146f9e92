from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pimm.accounts.models import AuditEvent, User
from pimm.accounts.roles import MEMBER_ROLES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Nom du jeton"), max_length=100)


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Objet contient"), required=False)
    model = forms.ChoiceField(label=_("Type d'objet"), required=False)
    username = forms.CharField(label=_("Utilisateur"), required=False)
    member = forms.TypedChoiceField(label=_("Membre"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", "—"), *AuditEvent.Action.choices]
    )
    # "Identifiant" alone is the login name (login, profile, users): a context keeps them apart.
    object_id = forms.CharField(label=pgettext_lazy("objet audité", "Identifiant"), required=False)
    since = forms.DateField(label=_("Depuis le"), required=False, widget=DATE)
    until = forms.DateField(label=_("Jusqu'au"), required=False, widget=DATE)

    def __init__(self, *args, models=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "—"), *models]
        self.fields["member"].choices = [("", "—"), *members]
        if not members:
            del self.fields["member"]


class UserForm(forms.ModelForm):
    """Coordinator-side account form: role and member; the password is set by the user."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "member", "is_active"]

    def clean(self):
        data = super().clean()
        if data.get("role") in MEMBER_ROLES and not data.get("member"):
            self.add_error("member", _("Ce rôle est rattaché à un membre : choisissez-le."))
        return data
