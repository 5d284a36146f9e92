"""Reads: queues, exam lists, turnaround per priority class, escalations."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Sum
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
