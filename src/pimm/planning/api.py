"""Planning API: read plans and slots, create / move / cancel bookings (same rules as the web).

Refusals by the booking rules answer 409 with `{code, detail}` (French message); field errors 422.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from pimm.api_errors import unprocessable
from pimm.planning import access, adapter, services
from pimm.planning import models as pm
from pimm.pseudonyms import identifying_reason
from pimm.registry import selectors as registry

router = Router(tags=["planning"])


class PlanOut(Schema):
    id: int
    name: str
    start: dt.date
    end: dt.date
    status: str
    pooled: bool
    max_deviation_hours: float | None
    max_deviation_vacations: float | None
    problems: list[dict]


class DeviationOut(Schema):
    member_id: int
    scope: str
    month: str
    share_percent: float
    target_hours: float
    assigned_hours: float
    carried_in_hours: float
    deviation_hours: float
    deviation_percent: float


class SlotOut(Schema):
    id: int
    equipment_id: int
    start: dt.datetime
    end: dt.datetime
    purpose: str
    member_id: int | None
    release_at: dt.datetime | None
    status: str
    free: bool


class BookingIn(Schema):
    order_reference: str
    exam_type: str
    patient_pseudonym: str
    member: int
    priority: str = "routine"
    purpose: str = ""
    preferred_site: int | None = None
    needs_accessibility: bool = False
    slot: int | None = None


class BookingOut(Schema):
    id: int
    order_reference: str
    exam_type: str
    priority: str
    purpose: str
    patient_pseudonym: str
    member_id: int
    equipment_id: int
    start: dt.datetime
    end: dt.datetime
    status: str
    used_reserved: str
    moves: int

    @staticmethod
    def resolve_exam_type(obj) -> str:
        return obj.exam_type.code


class MoveIn(Schema):
    slot: int


class CancelIn(Schema):
    reason: str


class Refusal(Schema):
    code: str
    detail: str


class FieldErrors(Schema):
    detail: list[dict]


@router.get("/plans", response=list[PlanOut])
def list_plans(request):
    if not access.can_read_any(request.user, pm.VacationPlan):
        raise PermissionDenied
    return list(access.visible(request.user, pm.VacationPlan).order_by("-start", "-pk")[:100])


@router.get("/plans/{int:pk}", response=PlanOut)
def get_plan(request, pk: int):
    return access.get_for_user(request.user, pm.VacationPlan, pk)


@router.get("/plans/{int:pk}/deviations", response=list[DeviationOut])
def plan_deviations(request, pk: int):
    plan = access.get_for_user(request.user, pm.VacationPlan, pk)
    return list(plan.deviations.order_by("scope", "member_id", "month"))


@router.get("/slots", response=list[SlotOut])
def list_slots(request, equipment: int, start: dt.date, days: int = 1):
    if not access.can(request.user, "calendar"):
        raise PermissionDenied
    qs = pm.Slot.objects.filter(
        plan__status=pm.VacationPlan.Status.PUBLISHED,
        equipment_id=equipment,
        start__gte=adapter.day_start(start),
        start__lt=adapter.day_start(start + dt.timedelta(days=max(1, min(days, 31)))),
    ).order_by("start")
    return [
        {
            **{f: getattr(s, f) for f in SlotOut.model_fields if f != "free"},
            "free": s.booking_id is None,
        }
        for s in qs
    ]


@router.post("/bookings", response={201: BookingOut, 409: Refusal, 422: FieldErrors})
def create_booking(request, payload: BookingIn):
    if not access.can(request.user, "book"):
        raise PermissionDenied
    reason = identifying_reason(payload.patient_pseudonym)
    if reason:
        return unprocessable({"patient_pseudonym": [reason]})
    exam_type = pm.ExamType.objects.filter(code=payload.exam_type).first()
    if exam_type is None:
        return unprocessable(ValidationError({"exam_type": "Type d'examen inconnu."}))
    member = registry.member(pk=payload.member)
    if member is None:
        raise Http404
    try:
        booking = services.booking_create(
            actor=request.user,
            order_reference=payload.order_reference,
            exam_type=exam_type,
            patient_pseudonym=payload.patient_pseudonym,
            member=member,
            priority=payload.priority,
            purpose=payload.purpose,
            preferred_site=registry.site(pk=payload.preferred_site),
            needs_accessibility=payload.needs_accessibility,
            slot=get_object_or_404(pm.Slot, pk=payload.slot) if payload.slot else None,
        )
    except services.PlanningRefused as exc:
        return Status(409, {"code": exc.code, "detail": exc.message})
    except ValidationError as exc:
        return unprocessable(exc)
    return Status(201, booking)


@router.get("/bookings/{int:pk}", response=BookingOut)
def get_booking(request, pk: int):
    return access.get_for_user(request.user, pm.Booking, pk)


@router.post("/bookings/{int:pk}/move", response={200: BookingOut, 409: Refusal})
def move_booking(request, pk: int, payload: MoveIn):
    booking = access.get_for_user(request.user, pm.Booking, pk, write=True)
    slot = get_object_or_404(pm.Slot, pk=payload.slot)
    try:
        return Status(200, services.booking_move(actor=request.user, booking=booking, slot=slot))
    except services.PlanningRefused as exc:
        return Status(409, {"code": exc.code, "detail": exc.message})


@router.post(
    "/bookings/{int:pk}/cancel", response={200: BookingOut, 409: Refusal, 422: FieldErrors}
)
def cancel_booking(request, pk: int, payload: CancelIn):
    booking = access.get_for_user(request.user, pm.Booking, pk, write=True)
    try:
        return Status(
            200, services.booking_cancel(actor=request.user, booking=booking, reason=payload.reason)
        )
    except services.PlanningRefused as exc:
        return Status(409, {"code": exc.code, "detail": exc.message})
    except ValidationError as exc:
        return unprocessable(exc)
