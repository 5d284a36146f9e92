"""Set-up forms of the worklist (priority classes, presence plan); no saving logic here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pimm.oncall import access as oncall_access
from pimm.oncall import models as om
from pimm.registry import models as m
from pimm.worklist import models as w

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]


class PriorityClassForm(forms.ModelForm):
    class Meta:
        model = w.PriorityClass
        fields = ["label", "target_minutes", "open_delay_minutes"]


class PresenceForm(forms.ModelForm):
    start = forms.DateTimeField(label=_("début"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    end = forms.DateTimeField(label=_("fin"), widget=DATETIME, input_formats=DATETIME_FORMATS)

    class Meta:
        model = om.ReaderPresence
        fields = ["practitioner", "site", "start", "end", "on_duty"]
        labels = {"practitioner": _("radiologue"), "site": _("site (vide : à distance)")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = oncall_access.presence_practitioners(user)
        self.fields["site"].queryset = m.Site.objects.select_related("member").order_by("name")
