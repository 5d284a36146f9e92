"""The coordinator's channel configuration (both kinds: HL7 and DICOM): form and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from pimm.interop.hl7.apply import networks
from pimm.interop.models import Channel


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = [
            "name",
            "kind",
            "member",
            "sites",
            "active",
            "sending_application",
            "sending_facility",
            "ae_title",
            "equipment",
            "allowed_addresses",
            "outbound_host",
            "outbound_port",
            "outbound_tls",
        ]
        widgets = {
            "allowed_addresses": forms.Textarea(attrs={"rows": 3}),
            "sites": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "allowed_addresses": _l(
                "Une adresse IP ou un réseau (CIDR) par ligne ; vide : toutes."
            ),
            "outbound_host": _l("Destination des comptes rendus (ORU^R01) ; vide : aucun envoi."),
        }

    def clean_allowed_addresses(self):
        value = self.cleaned_data["allowed_addresses"]
        try:
            networks(value)
        except ValueError:
            raise ValidationError(_("Adresse ou réseau invalide (exemple : 10.0.0.0/8).")) from None
        return value

    def clean(self):
        data = super().clean()
        member, sites = data.get("member"), data.get("sites") or []
        if member is not None and any(site.member_id != member.pk for site in sites):
            self.add_error("sites", _("Un canal ne parle que pour les sites de son membre."))
        kind = data.get("kind")
        if kind == Channel.Kind.HL7 and not data.get("sending_application"):
            self.add_error("sending_application", _("Obligatoire pour un canal HL7."))
        if kind == Channel.Kind.DICOM and not data.get("ae_title"):
            self.add_error("ae_title", _("Obligatoire pour un canal DICOM."))
        equipment = data.get("equipment")
        if equipment is not None and member is not None and equipment.holder_id != member.pk:
            self.add_error("equipment", _("L'appareil doit être détenu par le membre du canal."))
        if bool(data.get("outbound_host")) != bool(data.get("outbound_port")):
            self.add_error("outbound_port", _("Hôte et port de destination vont ensemble."))
        return data


@transaction.atomic
def channel_save(*, form: ChannelForm, actor) -> Channel:
    channel = form.save(commit=False)
    channel._history_user = actor
    channel.save()
    form.save_m2m()
    return channel
