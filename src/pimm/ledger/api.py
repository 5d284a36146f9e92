"""The ledger's JSON API: months, statements, entries (each with its source) and the writes
(cost lines, sharing, close, reversal, pay, extra fees). Every write accepts an
``Idempotency-Key`` header: the same key (same user) with the same body replays the first
answer and writes nothing; the same key with another body or on another route answers 422.

Authentication is the API's own (``accounts.api_auth.TokenAuth`` bearer tokens, or the browser
session), declared here so that the router keeps it wherever it is mounted."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.security import django_auth

from pimm.accounts.api_auth import TokenAuth
from pimm.api_errors import error_detail, error_dict, unprocessable
from pimm.ledger import access, selectors, services
from pimm.ledger import models as lm
from pimm.ledger.forms import CostLineForm
from pimm.worklist import selectors as worklist

router = Router(tags=["ledger"], auth=[TokenAuth(), django_auth])
HEADER = "Idempotency-Key"


class FieldErrors(Schema):
    detail: list[dict]


class PeriodOut(Schema):
    id: int
    month: dt.date
    status: str
    closed_at: dt.datetime | None


class StatementOut(Schema):
    member_id: int
    member_code: str
    member_name: str
    acts: int
    produced: Decimal
    owes: Decimal
    owed: Decimal
    balance: Decimal


class EntryOut(Schema):
    id: int
    date: dt.date
    member_id: int
    practitioner_id: int | None
    kind: str
    code: str
    label: str
    amount: Decimal
    exam_id: int | None
    cost_line_id: int | None
    convention_id: int | None
    reverses_id: int | None


class CostLineIn(Schema):
    kind: str
    category: str
    label: str
    amount: Decimal
    basis: str
    mix_time: Decimal = Decimal(0)
    mix_activity: Decimal = Decimal(0)
    mix_fixed: Decimal = Decimal(0)


class PayIn(Schema):
    amount: Decimal
    activity_weight: Decimal = Decimal(1)
    duty_weight: Decimal = Decimal(1)


class ExtraFeeIn(Schema):
    exam: int
    amount: Decimal


class ReverseIn(Schema):
    reason: str = ""


def _digest(route: str, body: dict) -> str:
    text = json.dumps({"route": route, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(request, route: str, body: dict, write):
    """Run ``write()`` (returns (status, json body)) once per Idempotency-Key."""
    key = (request.headers.get(HEADER) or "").strip()[:200]
    if not key:
        status, payload = write()
        return Status(status, payload)
    digest = _digest(route, body)
    found = lm.IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if found is not None:
        if found.body_hash != digest:
            return unprocessable(
                {HEADER: ["Cette clé d'idempotence a déjà servi pour une autre requête."]}
            )
        return Status(found.status, found.response)
    try:
        with transaction.atomic():
            status, payload = write()
            lm.IdempotencyRecord.objects.create(
                user=request.user,
                key=key,
                route=route[:200],
                body_hash=digest,
                status=status,
                response=json.loads(json.dumps(payload, default=str)),
            )
    except IntegrityError:  # the same key sent twice at once: the first one answered
        found = lm.IdempotencyRecord.objects.get(user=request.user, key=key)
        if found.body_hash != digest:
            return unprocessable(
                {HEADER: ["Cette clé d'idempotence a déjà servi pour une autre requête."]}
            )
        return Status(found.status, found.response)
    return Status(status, payload)


def _refused(exc: ValidationError):
    return 422, {"detail": error_detail(error_dict(exc))}


def _entry(e: lm.Entry) -> dict:
    return EntryOut.from_orm(e).dict()


@router.get("/periods", response=list[PeriodOut], operation_id="ledger_periods")
def periods(request):
    access.require(request.user, "ledger")
    return list(access.RULES.visible(request.user, lm.Period).order_by("-month"))


@router.get(
    "/periods/{pk}/statements", response=list[StatementOut], operation_id="ledger_statements"
)
def statements(request, pk: int):
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    scope = None if access.can(request.user, "statements_all") else request.user.member_id
    return [
        {**s.__dict__, "balance": s.balance}
        for s in selectors.statements(period=period, member_id=scope)
    ]


@router.get("/periods/{pk}/entries", response=list[EntryOut], operation_id="ledger_entries")
def entries(request, pk: int, limit: int = 500, offset: int = 0):
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    limit = max(1, min(limit, 5000))
    return list(selectors.entries_for(request.user, period=period)[offset : offset + limit])


@router.post(
    "/periods/{pk}/cost-lines",
    response={201: dict, 422: FieldErrors},
    operation_id="ledger_cost_line_create",
)
def cost_line_create(request, pk: int, payload: CostLineIn):
    access.require(request.user, "manage")
    period = access.access_period_for_user(request.user, pk)
    body = payload.dict()

    def write():
        form = CostLineForm(data=body)
        if not form.is_valid():
            return 422, {"detail": error_detail(form.errors)}
        try:
            line = services.cost_line_create(actor=request.user, period=period, **form.cleaned_data)
        except ValidationError as exc:
            return _refused(exc)
        return 201, {"id": line.pk, "amount": str(line.amount), "allocated": line.allocated}

    return idempotent(request, f"cost-lines/{period.pk}", body, write)


@router.post(
    "/periods/{pk}/allocate",
    response={200: dict, 422: FieldErrors},
    operation_id="ledger_allocate",
)
def allocate(request, pk: int):
    access.require(request.user, "manage")
    period = access.access_period_for_user(request.user, pk)

    def write():
        try:
            return 200, {"allocated": services.allocate_all(actor=request.user, period=period)}
        except ValidationError as exc:
            return _refused(exc)

    return idempotent(request, f"allocate/{period.pk}", {}, write)


@router.post(
    "/periods/{pk}/close",
    response={200: PeriodOut, 422: FieldErrors},
    operation_id="ledger_close",
)
def close(request, pk: int):
    access.require(request.user, "close")
    period = access.access_period_for_user(request.user, pk)

    def write():
        try:
            p = services.period_close(actor=request.user, period=period)
        except ValidationError as exc:
            return _refused(exc)
        return 200, PeriodOut.from_orm(p).dict()

    return idempotent(request, f"close/{period.pk}", {}, write)


@router.post("/periods/{pk}/pay", response={200: dict, 422: FieldErrors}, operation_id="ledger_pay")
def pay(request, pk: int, payload: PayIn):
    access.require(request.user, "manage")
    period = access.access_period_for_user(request.user, pk)
    body = payload.dict()

    def write():
        try:
            pool = services.pay_compute(actor=request.user, period=period, **body)
        except ValidationError as exc:
            return _refused(exc)
        return 200, {
            "pool": str(pool.amount),
            "lines": [
                {
                    "practitioner_id": x.practitioner_id,
                    "points": str(x.points),
                    "amount": str(x.amount),
                }
                for x in pool.lines.all()
            ],
        }

    return idempotent(request, f"pay/{period.pk}", body, write)


@router.post(
    "/entries/{pk}/reverse",
    response={201: EntryOut, 422: FieldErrors},
    operation_id="ledger_entry_reverse",
)
def reverse(request, pk: int, payload: ReverseIn):
    access.require(request.user, "close")
    entry = access.access_entry_for_user(request.user, pk)
    body = payload.dict()

    def write():
        into = services.period_for(platform_id=entry.period.platform_id, day=timezone.localdate())
        try:
            new = services.entry_reverse(
                actor=request.user, entry=entry, into=into, reason=body["reason"][:100]
            )
        except ValidationError as exc:
            return _refused(exc)
        return 201, _entry(new)

    return idempotent(request, f"reverse/{entry.pk}", body, write)


@router.post("/extra-fees", response={201: dict, 422: FieldErrors}, operation_id="ledger_extra_fee")
def extra_fee(request, payload: ExtraFeeIn):
    """Request an extra fee on a signed exam (for its signing practitioner). A refusal answers
    422 with the reason, and the attempt is recorded all the same."""
    access.require(request.user, "extra_fee")
    body = payload.dict()

    def write():
        pair = worklist.signed_exams_with_signers(exam_ids=[body["exam"]])
        if not pair or pair[0][1] is None:
            return 422, {"detail": error_detail({"exam": ["Examen signé introuvable."]})}
        exam, signer = pair[0]
        try:
            attempt = services.extra_fee_request(
                actor=request.user, exam=exam, practitioner=signer, amount=body["amount"]
            )
        except ValidationError as exc:
            return _refused(exc)
        out = {"id": attempt.pk, "accepted": attempt.accepted, "reason": attempt.reason}
        if not attempt.accepted:
            return 422, {"detail": error_detail({"amount": [attempt.reason]}), **out}
        return 201, out

    return idempotent(request, "extra-fees", body, write)
