"""FHIR errors: every failure of ``/fhir/`` answers an OperationOutcome with a French
diagnostic, in ``application/fhir+json``."""

import json

from django.http import HttpResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


class FhirError(Exception):
    """An error answered as an OperationOutcome (``code``: the FHIR issue type)."""

    def __init__(self, status: int, diagnostics: str, code: str = "invalid"):
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = str(diagnostics)
        self.code = code


def fhir_response(resource, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """A validated fhir.resources model (or its JSON dict) as ``application/fhir+json``."""
    body = resource if isinstance(resource, str) else _json(resource)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _json(resource) -> str:
    if isinstance(resource, dict):
        return json.dumps(resource, ensure_ascii=False)
    return resource.model_dump_json(exclude_none=True)


def outcome(diagnostics: str, code: str = "invalid", severity: str = "error") -> OperationOutcome:
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": str(diagnostics)}],
        }
    )


def error_response(error: FhirError, headers: dict | None = None) -> HttpResponse:
    return fhir_response(outcome(error.diagnostics, error.code), error.status, headers)
