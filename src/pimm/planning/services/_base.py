"""Shared by the modules of this package."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from pimm.accounts import engine_text

log = logging.getLogger(__name__)

HORIZON_DAYS = 90

SEARCH_WINDOWS_DAYS = (3, 21, HORIZON_DAYS)

CLAIM_ATTEMPTS = 3


class PlanningRefused(Exception):
    """A request the rules refuse, with a code and a French message for the user."""

    def __init__(self, code: str, message: str):
        message = engine_text.translate(message)  # an engine's refusal, in the reader's language
        super().__init__(message)
        self.code = code
        self.message = message


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
