"""Engine messages in the reader's language (see `pimm.engine.i18n`).

A `Message` (or its stored record) is translated by its French msgid, then its parameters, which
may be messages in turn. A plain French string (an older stored message, a text the engine built
without a marker) is looked up as a msgid too, and stays French if the catalog lacks it.
"""

import json

from django.utils.translation import gettext

from pimm.engine.i18n import Message, from_record


def translate(value) -> str:
    if isinstance(value, str) and value.startswith('{"text"'):  # a record stored as JSON text
        try:
            value = json.loads(value)
        except ValueError:
            return value
    value = from_record(value)
    if isinstance(value, Message):
        params = {k: translate(v) if isinstance(v, Message) else v for k, v in value.params.items()}
        msgid = gettext(value.msgid) if value.msgid else value.msgid
        try:
            return msgid % params if params else msgid
        except (KeyError, TypeError, ValueError):  # a catalog entry that lost a placeholder
            return str(value)
    if isinstance(value, str):
        return gettext(value) if value else value
    if isinstance(value, dict):
        return str(value.get("text", value.get("message", "")))
    return str(value)
