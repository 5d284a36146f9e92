"""An exam type's code in words, wherever it is shown: pages, the ledger's mappings, the audit."""

from django.utils import translation

from pimm.accounts.audit_display import _Related, format_value
from pimm.ledger import models as lm
from pimm.planning import models as pm
from pimm.planning.selectors import exam_type_name
from pimm.worklist import models as w


def test_codes_read_as_names(db):
    pm.ExamType.objects.create(code="CT_LUNG", label="TDM thoracique", modality="CT", minutes=15)
    assert exam_type_name("CT_LUNG") == "TDM thoracique"
    assert exam_type_name("CT_LUNG@TDM-1") == "TDM thoracique @ TDM-1"
    with translation.override("fr"):
        assert exam_type_name("CT/neuro") == "Scanner (TDM), Neuroradiologie"
    assert exam_type_name("NOPE_X") == "NOPE_X"  # unknown: as received
    assert exam_type_name("") == ""
    # a type renamed is read again
    pm.ExamType.objects.filter(code="CT_LUNG").update(label="x")
    pm.ExamType.objects.get(code="CT_LUNG").save()
    assert exam_type_name("CT_LUNG") == "x"


def test_the_audit_trail_names_exam_types(db):
    pm.ExamType.objects.create(code="MRI_HIP", label="IRM de hanche", modality="MRI", minutes=30)
    for field in (w.Exam._meta.get_field("exam_type"), lm.ActMapping._meta.get_field("exam_type")):
        assert format_value(field, "MRI_HIP", _Related()) == "IRM de hanche"
