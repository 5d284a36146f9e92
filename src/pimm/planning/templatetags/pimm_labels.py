"""`{% load pimm_labels %}`: codes shown by their label — `{{ code|exam_type_label }}` (the
exam type's French name, `MRI_KNEE` → "IRM du genou") and `{{ code|modality_label }}` (`PET_CT`
→ "TEP-TDM"). Exam type names are read once per process and forgotten when one changes."""

from django import template
from django.db.models.signals import post_delete, post_save

from pimm.planning import models as pm
from pimm.registry.models import Modality

register = template.Library()
_labels: dict[str, str] = {}


def _forget(**kwargs) -> None:
    _labels.clear()


post_save.connect(_forget, sender=pm.ExamType, dispatch_uid="pimm_labels_exam_type_saved")
post_delete.connect(_forget, sender=pm.ExamType, dispatch_uid="pimm_labels_exam_type_deleted")


@register.filter
def exam_type_label(code: str) -> str:
    """An exam type's name; the ledger's `CODE@device` mappings read "name @ device"."""
    if not code:
        return ""
    base, at, device = code.partition("@")
    if at:
        return f"{exam_type_label(base)} @ {device}"
    if code not in _labels:
        _labels.clear()
        _labels.update(pm.ExamType.objects.values_list("code", "label"))
        _labels.setdefault(code, code)  # a code no exam type has: shown as received
    return _labels[code]


@register.filter
def modality_label(code: str) -> str:
    return str(dict(Modality.choices).get(code, code)) if code else ""
