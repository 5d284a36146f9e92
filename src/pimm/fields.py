"""Model fields shared by the rooms.

`ChoiceListField`: a JSON list of codes taken from one set of choices (a technologist's
modalities, a radiologist's competences, the hours an on-call line covers). Stored as a plain
JSONField (its migrations say `models.JSONField`: the item choices are a display matter), it
knows its items' labels, so every page, the audit trail and the exports show "IRM, Scanner (TDM)"
and never `MRI, CT`. `item_labels(field, value)` is the one place that turns such a value into
words; a code no choice has is shown as stored.

`CodeField`: a code of a vocabulary kept in a table of a higher room (an exam type's `CT_CHEST`,
named in planning), stored as a plain CharField. The room that owns the vocabulary registers
its labeller (`register_vocabulary`), so the audit trail, kept below it, says "TDM du thorax".
"""

from collections.abc import Callable

from django.db import models

_VOCABULARIES: dict[str, Callable[[str], str]] = {}


def register_vocabulary(name: str, labeller: Callable[[str], str]) -> None:
    _VOCABULARIES[name] = labeller


def code_label(vocabulary: str, code: str) -> str:
    """`code` in words through its vocabulary's labeller; as stored when none knows it."""
    labeller = _VOCABULARIES.get(vocabulary)
    return labeller(code) if labeller and code else code


class CodeField(models.CharField):
    def __init__(self, *args, vocabulary: str = "", **kwargs):
        self.vocabulary = vocabulary
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class ChoiceListField(models.JSONField):
    def __init__(self, *args, item_choices=None, **kwargs):
        self.item_choices = list(item_choices or ())
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def labels(self, value) -> list[str]:
        names = {code: str(label) for code, label in self.item_choices}
        return [names.get(code, str(code)) for code in value or ()]


def item_labels(field, value) -> str | None:
    """`value` in words when `field` is a `ChoiceListField` (labels joined by ", ") or a
    `CodeField`, else None."""
    if isinstance(field, ChoiceListField) and isinstance(value, list | tuple):
        return ", ".join(field.labels(value))
    if isinstance(field, CodeField) and isinstance(value, str):
        return code_label(field.vocabulary, value)
    return None
