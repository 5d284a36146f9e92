"""Engine messages that a room can translate: the engine stays Django-free and French.

`_("Ligne %(line)s : ...", line=...)` (this module's `message`, imported as `_` so that
`makemessages` finds the msgid like any other) returns a `Message`: a `str` holding the French
sentence, as before, that also keeps its msgid and parameters. A room shows it in the reader's
language with `pimm.accounts.engine_text.translate` (Django's gettext on the msgid, then the
parameters, themselves translated when they are messages). Stored messages (a rota's
explanation, JSON) keep both: `as_record` and `from_record`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Message(str):
    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        text = msgid % params if params else msgid
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.params = params
        return obj

    def __reduce__(self):  # pickled by the task queue like a plain message
        return (_rebuild, (self.msgid, dict(self.params)))


def _rebuild(msgid: str, params: dict) -> Message:
    return Message(msgid, **params)


def message(msgid: str, **params: Any) -> Message:
    return Message(msgid, **params)


# The name makemessages knows for "mark now, translate when shown": a reason written to the audit
# trail (`obj._change_reason = gettext_noop("...", n=3)`) is stored with its msgid and parameters
# and reads in each reader's language.
gettext_noop = message


def join(parts, separator: str = " ; ") -> Message:
    """Several messages read as one (each part stays translatable)."""
    parts = list(parts)
    keys = {f"p{i}": part for i, part in enumerate(parts)}
    msgid = separator.join(f"%({k})s" for k in keys)
    return Message(msgid, **keys)


def as_record(value: Any) -> Any:
    """A JSON-ready form: a message becomes `{"text", "msgid", "params"}`; other values unchanged."""
    if isinstance(value, Message):
        return {
            "text": str(value),
            "msgid": value.msgid,
            "params": {k: as_record(v) for k, v in value.params.items()},
        }
    return value


def from_record(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        return Message(value["msgid"], **{k: from_record(v) for k, v in value["params"].items()})
    return value
