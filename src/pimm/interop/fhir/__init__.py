"""The read-only FHIR R4 API under ``/fhir/`` (see docs/fhir.md)."""
