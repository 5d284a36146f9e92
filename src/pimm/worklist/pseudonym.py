"""Patient pseudonyms: a keyed HMAC-SHA256 whose key never enters the database.

The key comes, in this order, from ``settings.PIMM_PSEUDONYM_KEY``, the environment variable
``PIMM_PSEUDONYM_KEY``, or the file named by ``PIMM_PSEUDONYM_KEY_FILE``. Development and test
settings fall back to a fixed, public key; production refuses to start pseudonymising without one.
"""

import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY = "pimm-dev-pseudonym-key-not-secret"


@cache
def _key() -> bytes:
    key = getattr(settings, "PIMM_PSEUDONYM_KEY", None) or os.environ.get("PIMM_PSEUDONYM_KEY")
    path = getattr(settings, "PIMM_PSEUDONYM_KEY_FILE", None) or os.environ.get(
        "PIMM_PSEUDONYM_KEY_FILE"
    )
    if not key and path:
        key = Path(path).read_text().strip()
    if not key:
        module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if settings.DEBUG or module.endswith((".dev", ".test")):
            key = DEV_KEY
        else:
            raise ImproperlyConfigured("PIMM_PSEUDONYM_KEY or PIMM_PSEUDONYM_KEY_FILE is required")
    return key.encode()


def pseudonymise(nir: str, birth_date, family_name: str) -> str:
    """``PAT-`` and 12 hex digits of HMAC-SHA256(key, NIR|birth date|name)."""
    message = f"{nir.strip()}|{birth_date.isoformat()}|{family_name.strip().upper()}".encode()
    return "PAT-" + hmac.new(_key(), message, hashlib.sha256).hexdigest()[:12].upper()
