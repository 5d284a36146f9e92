"""One shape for validation errors: Django's ``ValidationError`` as ``{field: [messages]}``, and
that mapping as the API's 422 body (the same body ninja gives for a malformed request)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from ninja import Status


def error_dict(exc: ValidationError, non_field: str = "__all__") -> dict[str, list[str]]:
    """Messages by field; errors not tied to a field go under ``non_field``."""
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}
    return {non_field: list(exc.messages)}


def error_detail(errors: Mapping[str, Iterable[str]]) -> list[dict]:
    return [
        {"loc": ["body", field or "__all__"], "msg": str(msg), "type": "validation_error"}
        for field, msgs in errors.items()
        for msg in msgs
    ]


def unprocessable(errors: Mapping[str, Iterable[str]] | ValidationError) -> Status:
    """A 422 answer listing every message with its field."""
    if isinstance(errors, ValidationError):
        errors = error_dict(errors)
    return Status(422, {"detail": error_detail(errors)})
