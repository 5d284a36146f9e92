from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pimm.registry import models as m

for model in (
    m.Platform,
    m.Member,
    m.Site,
    m.Equipment,
    m.Authorization,
    m.Practitioner,
    m.Technologist,
    m.Convention,
    m.SharingKey,
):
    admin.site.register(model, SimpleHistoryAdmin)
