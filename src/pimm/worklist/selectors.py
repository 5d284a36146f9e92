"""Reads: queues, exam lists, turnaround per priority class, escalations."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from pimm.engine.routing.state import queue_key
from pimm.registry.models import Practitioner
from pimm.worklist import adapter
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


def exams_by_accession(*, accession_number: str) -> QuerySet[w.Exam]:
    return w.Exam.objects.filter(accession_number=accession_number).select_related("site")
