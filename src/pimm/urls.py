"""Top-level URL map: web pages, accounts, the JSON API and the superusers' admin."""

from django.contrib import admin
from django.urls import include, path

from pimm.api import api

urlpatterns = [
    path("", include("pimm.web.urls")),
    path("comptes/", include("pimm.accounts.urls")),
    path("registre/", include("pimm.registry.urls")),
    path("planning/", include("pimm.planning.urls")),
    path("gardes/", include("pimm.oncall.urls")),
    path("lecture/", include("pimm.worklist.urls")),
    path("comptabilite/", include("pimm.ledger.urls")),
    path("evaluation/", include("pimm.evaluation.urls")),
    path("interfaces/hl7/", include("pimm.interop.hl7.urls")),
    path("api/", api.urls),
    path("fhir/", include("pimm.interop.fhir.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# French error pages inside the layout (pimm.web.errors), instead of Django's English defaults
handler400 = "pimm.web.errors.bad_request"
handler403 = "pimm.web.errors.permission_denied"
handler404 = "pimm.web.errors.page_not_found"
handler500 = "pimm.web.errors.server_error"
