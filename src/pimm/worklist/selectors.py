"""Reads: queues, exam lists, turnaround per priority class, escalations."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from pimm.accounts.attention import Attention
from pimm.engine.routing.state import queue_key
from pimm.registry.models import Practitioner
from pimm.worklist import access, adapter
from pimm.worklist import models as w

S = w.Exam.Status
OPEN = (S.IMAGES_AVAILABLE, S.ASSIGNED, S.READ)


def reader_queue(*, reader: Practitioner) -> list[w.Exam]:
    """The exams a reader holds in the order the router expects them read (``queue_key``:
    critical first, emergencies by class and shortest first, then earliest deadline), so that
    the reader who takes the top of the list does what the router's estimates assume."""
    qs = w.Exam.objects.filter(reader=reader, status__in=(S.ASSIGNED, S.READ)).select_related(
        "priority", "site", "patient"
    )
    return sorted(qs, key=lambda e: queue_key(adapter.engine_exam(e)))


def opened_at(*, exams: list[w.Exam]) -> dict[int, dt.datetime | None]:
    rows = w.Assignment.objects.filter(exam__in=exams, ended_at__isnull=True)
    return {a.exam_id: a.opened_at for a in rows}


@dataclass(frozen=True)
class ClassTurnaround:
    code: str
    label: str
    target_minutes: int
    signed: int
    waiting: int
    median_minutes: float | None
    p90_minutes: float | None
    within_target: float | None  # share of signed exams within target


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def turnaround_today(*, now: dt.datetime | None = None) -> list[ClassTurnaround]:
    """Images available -> signed, for exams signed since local midnight, per class."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    waiting = dict(
        w.Exam.objects.filter(status__in=OPEN)
        .values_list("priority__code")
        .annotate(n=Count("pk"))
        .values_list("priority__code", "n")
    )
    rows = w.Exam.objects.filter(status=S.SIGNED, signed_at__gte=midnight, signed_at__lte=now)
    by: dict[str, list[float]] = {}
    for code, ready, signed in rows.values_list("priority__code", "ready_at", "signed_at"):
        by.setdefault(code, []).append((signed - ready).total_seconds() / 60)
    for pc in w.PriorityClass.objects.order_by("rank"):
        vals = sorted(by.get(pc.code, []))
        out.append(
            ClassTurnaround(
                code=pc.code,
                label=pc.label,
                target_minutes=pc.target_minutes,
                signed=len(vals),
                waiting=waiting.get(pc.code, 0),
                median_minutes=statistics.median(vals) if vals else None,
                p90_minutes=_p90(vals) if vals else None,
                within_target=(sum(v <= pc.target_minutes for v in vals) / len(vals))
                if vals
                else None,
            )
        )
    return out


@dataclass(frozen=True)
class TurnaroundPeriod:
    start: dt.date
    end: dt.date  # included
    classes: list[ClassTurnaround]  # over the whole period ("waiting": open now)
    daily: dict[str, list[tuple[dt.date, float]]]  # class label -> (day, median minutes)
    rows: list[tuple[dt.date, ClassTurnaround]]  # one per day and class with signed exams


def _turnaround(pc, vals: list[float], waiting: int) -> ClassTurnaround:
    vals = sorted(vals)
    return ClassTurnaround(
        code=pc.code,
        label=pc.label,
        target_minutes=pc.target_minutes,
        signed=len(vals),
        waiting=waiting,
        median_minutes=statistics.median(vals) if vals else None,
        p90_minutes=_p90(vals) if vals else None,
        within_target=(sum(v <= pc.target_minutes for v in vals) / len(vals)) if vals else None,
    )


def turnaround_between(*, start: dt.date, end: dt.date) -> TurnaroundPeriod:
    """Images available -> signed for the exams signed from ``start`` to ``end`` (Paris days,
    both included), per priority class over the period and per day."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    waiting = dict(
        w.Exam.objects.filter(status__in=OPEN)
        .values_list("priority__code")
        .annotate(n=Count("pk"))
        .values_list("priority__code", "n")
    )
    rows = w.Exam.objects.filter(
        status=S.SIGNED, signed_at__gte=since, signed_at__lt=until, ready_at__isnull=False
    )
    whole: dict[str, list[float]] = {}
    per_day: dict[tuple[str, dt.date], list[float]] = {}
    for code, ready, signed in rows.values_list("priority__code", "ready_at", "signed_at"):
        minutes = (signed - ready).total_seconds() / 60
        whole.setdefault(code, []).append(minutes)
        per_day.setdefault((code, timezone.localtime(signed).date()), []).append(minutes)
    classes, daily, by_day = [], {}, []
    for pc in w.PriorityClass.objects.order_by("rank"):
        classes.append(_turnaround(pc, whole.get(pc.code, []), waiting.get(pc.code, 0)))
        days = sorted(day for code, day in per_day if code == pc.code)
        for day in days:
            by_day.append((day, _turnaround(pc, per_day[(pc.code, day)], 0)))
        if days:
            daily[pc.label] = [(d, statistics.median(per_day[(pc.code, d)])) for d in days]
    by_day.sort(key=lambda r: r[0])
    return TurnaroundPeriod(start, end, classes, daily, by_day)


def escalations() -> list[w.Exam]:
    """Exams escalated to the coordinator and not yet signed: never lost."""
    return list(
        w.Exam.objects.filter(escalated_at__isnull=False, status__in=OPEN)
        .select_related("priority", "site", "reader")
        .order_by("deadline", "pk")
    )


def waiting_unassigned() -> list[w.Exam]:
    return list(
        w.Exam.objects.filter(status=S.IMAGES_AVAILABLE)
        .select_related("priority", "site")
        .order_by("priority__rank", "deadline", "pk")[:100]
    )


@dataclass(frozen=True)
class ReaderLoad:
    reader: Practitioner
    exams: int
    units: float
    oldest_deadline: dt.datetime | None


def queues_per_reader() -> list[ReaderLoad]:
    rows = (
        w.Exam.objects.filter(status__in=(S.ASSIGNED, S.READ), reader__isnull=False)
        .values("reader")
        .annotate(n=Count("pk"), units=Sum("work_units"))
    )
    stats = {r["reader"]: r for r in rows}
    deadlines: dict[int, dt.datetime] = {}
    for reader_id, deadline in (
        w.Exam.objects.filter(status__in=(S.ASSIGNED, S.READ), reader__isnull=False)
        .order_by("deadline")
        .values_list("reader", "deadline")
    ):
        deadlines.setdefault(reader_id, deadline)
    readers = Practitioner.objects.filter(pk__in=stats).order_by("last_name", "first_name")
    return [
        ReaderLoad(p, stats[p.pk]["n"], stats[p.pk]["units"] or 0.0, deadlines.get(p.pk))
        for p in readers
    ]


def findings_of(*, exam: w.Exam) -> list[w.CriticalFinding]:
    return list(exam.critical_findings.prefetch_related("communications").order_by("flagged_at"))


def unacknowledged_findings() -> list[w.CriticalFinding]:
    return list(
        w.CriticalFinding.objects.filter(acknowledged_at__isnull=True)
        .select_related("exam")
        .order_by("flagged_at")
    )


def signed_exams_with_signers(*, exam_ids) -> list[tuple[w.Exam, Practitioner | None]]:
    """Signed exams with the practitioner who signed each (read by the ledger)."""
    exams = (
        w.Exam.objects.filter(pk__in=list(exam_ids), status=w.Exam.Status.SIGNED)
        .select_related("priority", "patient", "member", "equipment", "report__signed_by")
        .order_by("pk")
    )
    out = []
    for exam in exams:
        report = getattr(exam, "report", None)
        out.append((exam, report.signed_by if report is not None else None))
    return out


# ---- the home pages ------------------------------------------------------------------------

WORKFLOW = (S.SCHEDULED, S.ARRIVED, S.IN_PROGRESS, S.PERFORMED)


def queue_by_priority(*, exams: list[w.Exam]) -> list[tuple[w.PriorityClass, int]]:
    """(class, count) of a reader's queue, in rank order, classes with no exam left out."""
    counts = Counter(e.priority_id for e in exams)
    by_id = {e.priority_id: e.priority for e in exams}
    return [(by_id[pk], n) for pk, n in sorted(counts.items(), key=lambda x: by_id[x[0]].rank)]


def findings_to_chase(*, reader: Practitioner) -> list[w.CriticalFinding]:
    """Critical findings this reader flagged that nobody acknowledged or closed yet."""
    return list(
        w.CriticalFinding.objects.filter(
            flagged_by=reader, acknowledged_at__isnull=True, closed_at__isnull=True
        )
        .select_related("exam__priority")
        .order_by("flagged_at")
    )


def exams_of_day(*, user, day: dt.date) -> list[w.Exam]:
    """The exams of the user's member scheduled on ``day`` (Paris) still in the technologists'
    hands (scheduled, arrived, in progress, performed), in time order."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    return list(
        access.visible_exams(user)
        .filter(scheduled_at__gte=start, scheduled_at__lt=end, status__in=WORKFLOW)
        .select_related("priority", "site")
        .order_by("scheduled_at", "pk")
    )


def order_by_placer(*, member, placer_number: str) -> w.Order | None:
    """The member's order with this placer number (ORC-2), the interfaces' key."""
    return w.Order.objects.filter(member=member, placer_number=placer_number).first()


def exams_of_order(*, order: w.Order) -> list[w.Exam]:
    return list(w.Exam.objects.filter(order=order).order_by("pk"))


# -- what the interfaces read (interop: modality worklist, MPPS, PACS) ------------------------
def exams_scheduled_on(*, equipment_id: int, member_id: int, site_ids) -> QuerySet[w.Exam]:
    """The exams booked on one device that its modality may perform (scheduled or arrived), of
    one member on its sites: the modality worklist of that device."""
    return (
        w.Exam.objects.filter(
            equipment_id=equipment_id,
            member_id=member_id,
            site_id__in=site_ids,
            status__in=(S.SCHEDULED, S.ARRIVED),
        )
        .select_related("patient", "order", "site")
        .order_by("scheduled_at", "pk")
    )


def attention(user, today: dt.date) -> list[Attention]:
    """What needs this user's attention in the worklist today (see ``pimm.accounts.attention``)."""
    out: list[Attention] = []
    now = timezone.now()
    if access.can_see_coordination(user):
        url = reverse("worklist:coordination")
        open_exams = w.Exam.objects.filter(status__in=OPEN)
        escalated = open_exams.filter(escalated_at__isnull=False).count()
        if escalated:
            label = ngettext(
                "%(n)d examen escaladé à la coordination",
                "%(n)d examens escaladés à la coordination",
                escalated,
            ) % {"n": escalated}
            out.append(Attention(label, escalated, url, "danger"))
        overdue = open_exams.filter(deadline__lt=now).count()
        if overdue:
            label = ngettext(
                "%(n)d compte rendu en retard sur son échéance",
                "%(n)d comptes rendus en retard sur leur échéance",
                overdue,
            ) % {"n": overdue}
            out.append(Attention(label, overdue, url, "warning"))
        findings = w.CriticalFinding.objects.filter(
            acknowledged_at__isnull=True, closed_at__isnull=True
        ).count()
        if findings:
            label = ngettext(
                "%(n)d résultat critique sans accusé de réception",
                "%(n)d résultats critiques sans accusé de réception",
                findings,
            ) % {"n": findings}
            out.append(Attention(label, findings, url, "warning"))
    reader = access.reader_of(user)
    if reader is not None and access.can_see_queue(user):
        queue = w.Exam.objects.filter(reader=reader, status__in=(S.ASSIGNED, S.READ))
        late = queue.filter(deadline__lt=now).count()
        if late:
            label = ngettext(
                "%(n)d examen de ma file a dépassé son échéance",
                "%(n)d examens de ma file ont dépassé leur échéance",
                late,
            ) % {"n": late}
            out.append(Attention(label, late, reverse("worklist:queue"), "danger"))
        chase = len(findings_to_chase(reader=reader))
        if chase:
            label = ngettext(
                "%(n)d résultat critique à relancer",
                "%(n)d résultats critiques à relancer",
                chase,
            ) % {"n": chase}
            out.append(Attention(label, chase, reverse("worklist:queue"), "warning"))
    if access.role(user) in access.MEMBER_STAFF and access.can_list_exams(user):
        waiting = len(exams_of_day(user=user, day=today))
        if waiting:
            label = ngettext(
                "%(n)d examen du jour à faire avancer",
                "%(n)d examens du jour à faire avancer",
                waiting,
            ) % {"n": waiting}
            out.append(Attention(label, waiting, reverse("worklist:exam_list"), "info"))
    return out


def exams_by_accession(*, accession_number: str) -> QuerySet[w.Exam]:
    return w.Exam.objects.filter(accession_number=accession_number).select_related("site")


# -- reads for the FHIR API (interop.fhir): the same scoping as the exam pages ------------------


def orders_for(user):
    """The orders of the exams this user may read (an order is seen through its exams)."""
    from_exams = access.visible_exams(user).values("order_id")
    return w.Order.objects.filter(pk__in=from_exams).select_related("member", "site", "priority")


def patients_for(user):
    """The patients of the exams this user may read (their identity is another question:
    ``access.shows_identity``)."""
    return w.Patient.objects.filter(pk__in=access.visible_exams(user).values("patient_id"))


def exams_of_patient(*, patient: w.Patient):
    return w.Exam.objects.filter(patient=patient).order_by("pk")


def signed_reports_for(user):
    """Signed and amended reports of the exams this user may read (never a draft)."""
    return w.Report.objects.filter(
        exam__in=access.visible_exams(user).values("pk"),
        status__in=(w.Report.Status.SIGNED, w.Report.Status.AMENDED),
    ).select_related("exam", "exam__order")


# -- for the evaluation room (indicators over months) -----------------------------------------


def _signed_between(start: dt.datetime, end: dt.datetime, member_id=None, site_id=None):
    qs = w.Exam.objects.filter(
        status=S.SIGNED, signed_at__gte=start, signed_at__lt=end, ready_at__isnull=False
    )
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    return qs


@dataclass(frozen=True)
class TurnaroundStat:
    month: dt.date
    code: str
    label: str
    target_minutes: int
    signed: int
    mean_minutes: float
    within_target: int


def turnaround_stats(
    *,
    start: dt.datetime,
    end: dt.datetime,
    member_id: int | None = None,
    site_id: int | None = None,
) -> list[TurnaroundStat]:
    """Images available -> signed for exams signed in [start, end), per local month and priority
    class: how many, the mean, and how many within the class's target (one aggregate per class)."""
    out = []
    base = _signed_between(start, end, member_id, site_id)
    for pc in w.PriorityClass.objects.order_by("rank", "pk"):
        target = dt.timedelta(minutes=pc.target_minutes)
        rows = (
            base.filter(priority=pc)
            .annotate(
                month=TruncMonth("signed_at"),
                took=ExpressionWrapper(
                    F("signed_at") - F("ready_at"), output_field=DurationField()
                ),
            )
            .values("month")
            .annotate(
                n=Count("pk"),
                mean=Avg("took"),
                ok=Count("pk", filter=Q(signed_at__lte=F("ready_at") + target)),
            )
            .order_by("month")
        )
        for r in rows:
            month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
            mean = r["mean"].total_seconds() / 60 if r["mean"] is not None else 0.0
            out.append(
                TurnaroundStat(
                    month, pc.code, pc.label, pc.target_minutes, r["n"], round(mean, 1), r["ok"]
                )
            )
    return out


@dataclass(frozen=True)
class ReadElsewhere:
    """Exams of one member read (signed) by radiologists of another member in one month."""

    month: dt.date
    member_id: int
    reader_member_id: int
    count: int


def read_elsewhere_stats(
    *,
    start: dt.datetime,
    end: dt.datetime,
    member_id: int | None = None,
    site_id: int | None = None,
) -> list[ReadElsewhere]:
    """Internal tele-imaging: signed exams whose reader belongs to another member."""
    rows = (
        _signed_between(start, end, member_id, site_id)
        .filter(reader__isnull=False)
        .exclude(reader__member_id=F("member_id"))
        .annotate(month=TruncMonth("signed_at"))
        .values("month", "member_id", "reader__member_id")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return [
        ReadElsewhere(
            r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"],
            r["member_id"],
            r["reader__member_id"],
            r["n"],
        )
        for r in rows
    ]


def signed_count(*, start: dt.datetime, end: dt.datetime) -> int:
    """Signed exams in [start, end): the plain aggregate the evaluation bench compares with."""
    return _signed_between(start, end).count()
