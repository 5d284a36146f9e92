"""On-call JSON API: lines, rotas with their duties, my duties, own unavailabilities, swaps.

Same rules as the web: the roles of ``access.ACTIONS``, one fetch per object (404 for missing
and forbidden), the web's forms for the shape of the input and the same services for the rules.
Field errors answer 422 as ``{"detail": [{"loc": ["body", field], "msg": ...}]}`` (French).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema, Status

from pimm.accounts import engine_text
from pimm.api_errors import unprocessable
from pimm.registry import selectors as registry

from . import access, selectors, services
from .forms import SwapForm, UnavailabilityForm, WeightsForm
from .models import OnCallLine, Rota, RotaShift, SwapRequest, Unavailability

router = Router(tags=["oncall"])


class FieldErrors(Schema):
    detail: list[dict]


class LineOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    categories: list[str]
    site_ids: list[int]
    remote_allowed: bool
    competence: str
    active: bool


class RotaOut(Schema):
    id: int
    title: str
    start: dt.date
    end: dt.date
    status: str
    version: int
    based_on_id: int | None
    published_at: dt.datetime | None
    spread: float | None
    gini: float | None


class DutyOut(Schema):
    shift_id: int
    rota_id: int
    key: str
    line_id: int
    line_code: str
    kind: str
    date: dt.date
    category: str
    start: dt.datetime
    end: dt.datetime
    practitioner_id: int
    practitioner: str
    member_id: int
    locked: bool
    points: float


class RotaDetailOut(RotaOut):
    explanation: list[str]
    duties: list[DutyOut]


class UnavailabilityIn(Schema):
    start: dt.date
    end: dt.date
    reason: str = "congés"
    practitioner: int | None = None  # coordinators only: whose leave


class UnavailabilityOut(Schema):
    id: int
    practitioner_id: int
    start: dt.date
    end: dt.date
    reason: str


class SwapIn(Schema):
    shift: int
    other_shift: int | None = None
    to_practitioner: int | None = None
    message: str = ""


class SwapOut(Schema):
    id: int
    rota_id: int
    kind: str
    status: str
    shift_id: int
    other_shift_id: int | None
    from_practitioner_id: int
    to_practitioner_id: int
    message: str
    reason: str


class RefuseIn(Schema):
    reason: str = ""


def _duties(assignments) -> list[DutyOut]:
    weights: dict[int, object] = {}
    out = []
    for a in assignments:
        s, p = a.shift, a.practitioner
        w = weights.get(s.rota.platform_id)
        if w is None:
            w = weights[s.rota.platform_id] = selectors.point_weights(
                platform_id=s.rota.platform_id
            )
        out.append(
            DutyOut(
                shift_id=s.pk,
                rota_id=s.rota_id,
                key=s.key,
                line_id=s.line_id,
                line_code=s.line.code,
                kind=s.line.kind,
                date=s.date,
                category=s.category,
                start=s.starts_at,
                end=s.ends_at,
                practitioner_id=p.pk,
                practitioner=f"{p.last_name} {p.first_name}",
                member_id=p.member_id,
                locked=a.locked,
                points=w.of(s.category, s.line.kind),
            )
        )
    return out


class WeightsOut(Schema):
    weeknight: float
    weekend_day: float
    weekend_night: float
    holiday_day: float
    holiday_night: float
    astreinte_percent: int


class WeightsIn(Schema):
    weeknight: float | str | None = None
    weekend_day: float | str | None = None
    weekend_night: float | str | None = None
    holiday_day: float | str | None = None
    holiday_night: float | str | None = None
    astreinte_percent: int | str | None = None


# --- point weights -----------------------------------------------------------------------------


def _platform():
    platform = registry.current_platform()
    if platform is None:
        raise Http404
    return platform


@router.get("/weights", response=WeightsOut, operation_id="oncall_weights")
def weights(request):
    access.require(request.user, "weights_read")
    return selectors.point_weights(platform_id=_platform().pk)


@router.put(
    "/weights", response={200: WeightsOut, 422: FieldErrors}, operation_id="oncall_weights_set"
)
def weights_set(request, payload: WeightsIn):
    """Change some or all weights (the others keep their value) through the page's form."""
    access.require(request.user, "weights_write")
    platform = _platform()
    current = selectors.point_weights(platform_id=platform.pk)
    data = {f: getattr(current, f) for f in WeightsForm.Meta.fields}
    data.update({k: str(v) for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    form = WeightsForm(data, instance=current)
    if not form.is_valid():
        return unprocessable(form.errors)
    values = {f: form.cleaned_data[f] for f in WeightsForm.Meta.fields}
    try:
        return services.point_weights_save(actor=request.user, platform=platform, values=values)
    except ValidationError as exc:
        return unprocessable(exc)


# --- lines and rotas ---------------------------------------------------------------------------


@router.get("/lines", response=list[LineOut], operation_id="oncall_lines")
def lines(request):
    access.require(request.user, "line_read")
    return [
        LineOut(
            id=ln.pk,
            code=ln.code,
            name=ln.name,
            kind=ln.kind,
            categories=list(ln.categories),
            site_ids=sorted(s.pk for s in ln.sites.all()),
            remote_allowed=ln.remote_allowed,
            competence=ln.competence,
            active=ln.active,
        )
        for ln in OnCallLine.objects.prefetch_related("sites").order_by("code")
    ]


@router.get("/rotas", response=list[RotaOut], operation_id="oncall_rotas")
def rotas(request):
    access.require(request.user, "rota_list")
    return list(access.visible_rotas(request.user)[:200])


@router.get("/rotas/{int:pk}", response=RotaDetailOut, operation_id="oncall_rota")
def rota(request, pk: int):
    found: Rota = access.get_rota(request.user, pk)
    data = RotaOut.from_orm(found).dict()
    return RotaDetailOut(
        **data,
        explanation=[engine_text.translate(x) for x in found.explanation],
        duties=_duties(selectors.duties(rota=found)),
    )


@router.get("/my/duties", response=list[DutyOut], operation_id="oncall_my_duties")
def my_duties(request):
    """The caller's duties in published rotas (radiologists with a practitioner record)."""
    access.require(request.user, "calendar")
    me = access.own_practitioner(request.user)
    if me is None:
        raise PermissionDenied
    return _duties(selectors.published_duties_of(practitioner_id=me.pk))


# --- unavailabilities --------------------------------------------------------------------------


def _wishes_scope(request):
    """Unavailabilities the caller may see: their own, or everyone's for coordinators."""
    access.require(request.user, "wishes")
    me = access.own_practitioner(request.user)
    qs = Unavailability.objects.order_by("start", "pk")
    if me is not None:
        return qs.filter(practitioner=me), me
    if access.role(request.user) in access.MANAGERS:
        return qs, None
    raise PermissionDenied


@router.get(
    "/unavailabilities", response=list[UnavailabilityOut], operation_id="oncall_unavailabilities"
)
def unavailabilities(request, practitioner: int | None = None):
    qs, _me = _wishes_scope(request)
    if practitioner is not None:
        qs = qs.filter(practitioner_id=practitioner)
    return list(qs[:500])


@router.post(
    "/unavailabilities",
    response={201: UnavailabilityOut, 422: FieldErrors},
    operation_id="oncall_unavailability_create",
)
def unavailability_create(request, payload: UnavailabilityIn):
    _qs, me = _wishes_scope(request)
    if me is not None:
        if payload.practitioner not in (None, me.pk):
            raise PermissionDenied("Vous ne gérez que vos propres indisponibilités.")
        who = me
    else:
        who = registry.practitioner(pk=payload.practitioner, active=True)
        if who is None:
            return unprocessable(
                {"practitioner": ["Indiquez le praticien concerné (identifiant connu)."]}
            )
    form = UnavailabilityForm(
        data={"start": payload.start, "end": payload.end, "reason": payload.reason}
    )
    if not form.is_valid():
        return unprocessable(form.errors)
    try:
        u = services.unavailability_create(
            actor=request.user, practitioner=who, **form.cleaned_data
        )
    except ValidationError as exc:
        return unprocessable(exc)
    return Status(201, u)


@router.delete(
    "/unavailabilities/{int:pk}",
    response={204: None},
    operation_id="oncall_unavailability_delete",
)
def unavailability_delete(request, pk: int):
    qs, _me = _wishes_scope(request)
    found = qs.filter(pk=pk).select_related("practitioner").first()
    if found is None:
        raise Http404
    services.unavailability_delete(actor=request.user, unavailability=found)
    return Status(204, None)


# --- swaps -------------------------------------------------------------------------------------


def _swap_scope(request):
    access.require(request.user, "swaps")
    me = access.own_practitioner(request.user)
    qs = SwapRequest.objects.order_by("-created_at", "-pk")
    if me is not None:
        return qs.filter(Q(from_practitioner=me) | Q(to_practitioner=me)), me
    if access.role(request.user) in access.READ_ALL:
        return qs, None
    raise PermissionDenied


@router.get("/swaps", response=list[SwapOut], operation_id="oncall_swaps")
def swaps(request):
    qs, _me = _swap_scope(request)
    return list(qs[:200])


@router.post("/swaps", response={201: SwapOut, 422: FieldErrors}, operation_id="oncall_swap")
def swap_propose(request, payload: SwapIn):
    """Propose a swap (``other_shift``) or a give-away (``to_practitioner``) of one of your
    duties in the published rota; refused at once with the reason if a rule would break."""
    _qs, me = _swap_scope(request)
    if me is None:
        raise PermissionDenied("Seul un praticien propose un échange de ses gardes.")
    future = RotaShift.objects.filter(
        rota__in=access.visible_rotas(request.user).filter(status=Rota.Status.PUBLISHED),
        ends_at__gt=timezone.now(),
    )
    form = SwapForm(
        data=payload.dict(),
        mine=future.filter(assignment__practitioner=me),
        others=future.exclude(assignment__practitioner=me),
        people=registry.active_practitioners(platform_id=me.member.platform_id).exclude(pk=me.pk),
    )
    if not form.is_valid():
        return unprocessable(form.errors)
    d = form.cleaned_data
    try:
        swap = services.swap_propose(
            actor=request.user,
            shift=d["shift"],
            other_shift=d["other_shift"],
            to_practitioner=d["to_practitioner"],
            message=d["message"],
        )
    except ValidationError as exc:
        return unprocessable(exc)
    return Status(201, swap)


def _swap_for(request, pk: int) -> SwapRequest:
    """The swap if the caller is one of its two practitioners or a coordinator; 404 otherwise."""
    access.require(request.user, "swaps")
    swap = SwapRequest.objects.select_related("rota", "shift", "other_shift").filter(pk=pk).first()
    me = access.own_practitioner(request.user)
    allowed = access.can(request.user, "rota_manage") or (
        swap is not None
        and me is not None
        and me.pk in (swap.from_practitioner_id, swap.to_practitioner_id)
    )
    if swap is None or not allowed:
        raise Http404
    return swap


def _act(request, pk: int, action) -> Status:
    swap = _swap_for(request, pk)
    try:
        return Status(200, action(swap))
    except ValidationError as exc:
        return unprocessable(exc)


@router.post(
    "/swaps/{int:pk}/accept",
    response={200: SwapOut, 422: FieldErrors},
    operation_id="oncall_swap_accept",
)
def swap_accept(request, pk: int):
    return _act(request, pk, lambda s: services.swap_accept(actor=request.user, swap=s))


@router.post(
    "/swaps/{int:pk}/refuse",
    response={200: SwapOut, 422: FieldErrors},
    operation_id="oncall_swap_refuse",
)
def swap_refuse(request, pk: int, payload: RefuseIn):
    return _act(
        request,
        pk,
        lambda s: services.swap_refuse(actor=request.user, swap=s, reason=payload.reason),
    )


@router.post(
    "/swaps/{int:pk}/cancel",
    response={200: SwapOut, 422: FieldErrors},
    operation_id="oncall_swap_cancel",
)
def swap_cancel(request, pk: int):
    return _act(request, pk, lambda s: services.swap_cancel(actor=request.user, swap=s))


@router.post(
    "/swaps/{int:pk}/approve",
    response={200: SwapOut, 422: FieldErrors},
    operation_id="oncall_swap_approve",
)
def swap_approve(request, pk: int):
    return _act(request, pk, lambda s: services.swap_approve(actor=request.user, swap=s))
