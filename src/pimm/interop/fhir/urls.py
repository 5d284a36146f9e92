"""``/fhir/``: the read-only FHIR R4 API (mounted by ``pimm.urls``)."""

from django.urls import path

from pimm.interop.fhir.api import api

urlpatterns = [path("", api.urls)]
