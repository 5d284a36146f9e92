"""`{% load pimm_labels %}`: codes shown by their label — `{{ code|exam_type_label }}` (the
exam type's French name, `MRI_KNEE` → "IRM du genou", from `planning.selectors.exam_type_name`)
and `{{ code|modality_label }}` (`PET_CT` → "TEP-TDM")."""

from django import template

from pimm.planning.selectors import exam_type_name
from pimm.registry.models import Modality

register = template.Library()


@register.filter
def exam_type_label(code: str) -> str:
    return exam_type_name(code)


@register.filter
def modality_label(code: str) -> str:
    return str(dict(Modality.choices).get(code, code)) if code else ""
