"""Model fields shared by the rooms.

`ChoiceListField`: a JSON list of codes taken from one set of choices (a technologist's
modalities, a radiologist's competences, the hours an on-call line covers). Stored as a plain
JSONField (its migrations say `models.JSONField`: the item choices are a display matter), it
knows its items' labels, so every page, the audit trail and the exports show "IRM, Scanner (TDM)"
and never `MRI, CT`. `item_labels(field, value)` is the one place that turns such a value into
words; a code no choice has is shown as stored.
"""

from django.db import models


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
    """`value` in words when `field` is a `ChoiceListField` (labels joined by ", "), else None."""
    if isinstance(field, ChoiceListField) and isinstance(value, list | tuple):
        return ", ".join(field.labels(value))
    return None
