"""Worklist JSON API: pseudonymised exams and turnaround per class (never an identity)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from pimm.worklist import access, selectors

router = Router(tags=["worklist"])


class ExamOut(Schema):
    id: int
    patient: str  # pseudonym
    priority: str
    site_id: int
    modality: str
    status: str
    ready_at: dt.datetime | None
    deadline: dt.datetime | None
    signed_at: dt.datetime | None


class TurnaroundOut(Schema):
    code: str
    label: str
    target_minutes: int
    signed: int
    waiting: int
    median_minutes: float | None
    p90_minutes: float | None
    within_target: float | None


@router.get("/exams", response=list[ExamOut], operation_id="worklist_exams")
def exams(request, status: str = ""):
    if not access.can_list_exams(request.user):
        raise PermissionDenied
    qs = access.visible_exams(request.user).select_related("patient", "priority")
    if status:
        qs = qs.filter(status=status)
    return [
        ExamOut(
            id=e.pk,
            patient=e.patient.pseudonym,
            priority=e.priority.code,
            site_id=e.site_id,
            modality=e.modality,
            status=e.status,
            ready_at=e.ready_at,
            deadline=e.deadline,
            signed_at=e.signed_at,
        )
        for e in qs.order_by("-pk")[:500]
    ]


@router.get("/turnaround", response=list[TurnaroundOut], operation_id="worklist_turnaround")
def turnaround(request):
    if not access.can_see_coordination(request.user):
        raise PermissionDenied
    return [TurnaroundOut(**t.__dict__) for t in selectors.turnaround_today()]
