"""The annual progress report of the demo PIMM over a whole year, through Django and the database.

    python bench/report.py [--scale 1] [--per-day N] [--repeat 3] [--seed 42] [--json]

The bench loads the demo PIMM at ``--scale`` (``pimm.demo.loader``, as ``make demo``), moves its
authorisation one year back so that authorisation year 1 is a closed year, and fills that year
with bulk inserts: signed exams (the simulation's week of arrivals of the demo, its sites,
modalities, priorities and hours, repeated to ``--per-day`` exams a day, default 685 × scale, so
about a million at scale 4; each read by a radiologist privileged on the site, one in five of
another member, within its class's target four times in five), a published vacation plan whose
slots repeat the demo's first four weeks, two in three of them booked, and a published rota a
month repeating the demo's first month (one duty in fifty left unfilled), and a piece of RCP
evidence a month. Then it times, on that year:

- each indicator alone (a fresh context: no read shared with another), then every indicator in
  one context (the reads of the slots shared, as the report does);
- the report's content (``documents.build``: commitments, the six criteria, every indicator and
  its figure), the PDF (WeasyPrint) and the ODT (odfpy);
- plain SQL aggregates over the same rows, written by hand: the year's signed exams per month
  and priority class (count and mean turnaround), its open slots per month and purpose, its
  duties per month and line. ``ratio`` is an indicator's time over the plain aggregate of its
  table; the headline ratio is every indicator's time over the exams' aggregate.

Each figure is the median of ``--repeat`` runs (the first, cold, is reported apart). SQLite in
memory with ``PIMM_DB_ENGINE=sqlite``; otherwise PostgreSQL (the PIMM_DB_* variables, from
``eval "$(scripts/ensure-postgres.sh)"``) in the test database ``PIMM_DB_TEST_NAME``, created,
analysed and dropped by the bench. The target (issue 15): under 60 s in all at scale 4.

Figures: see docs/evaluation.md ("Speed"), kept there with the machine and the day they ran.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pimm.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from pimm.accounts.models import User  # noqa: E402
from pimm.accounts.roles import Role  # noqa: E402
from pimm.demo.generator import generate  # noqa: E402
from pimm.demo.loader import load_demo  # noqa: E402
from pimm.engine.simulation.demo_adapter import scenario_from_demo  # noqa: E402
from pimm.evaluation import documents, selectors, services  # noqa: E402
from pimm.evaluation import models as ev  # noqa: E402
from pimm.evaluation.indicators import REGISTRY  # noqa: E402
from pimm.oncall import models as om  # noqa: E402
from pimm.planning import models as pm  # noqa: E402
from pimm.registry import models as m  # noqa: E402
from pimm.worklist import models as w  # noqa: E402

PER_DAY_PER_SCALE = 685  # 685 × 4 × 365 ≈ 1,000,000 exams a year at scale 4
BATCH = 5000
EXAM_TABLES = ("turnaround", "teleimaging")
SLOT_TABLES = ("emergency_slots", "specialised_slots", "utilisation")
DUTY_TABLES = ("pooled_lines", "fill_rate", "load_spread")


def emit(args, row: dict, text: str) -> None:
    print(json.dumps(row, ensure_ascii=False) if args.json else text, flush=True)


def local(day: dt.date, t: dt.time = dt.time()) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, t))


def shifted(at: dt.datetime, days: int) -> dt.datetime:
    """The same local time ``days`` later (across a DST change too)."""
    naive = timezone.make_naive(at) + dt.timedelta(days=days)
    return timezone.make_aware(naive)


def week_offset(template_start: dt.date, day: dt.date) -> int:
    """Days from the template's start to the last same weekday on or before ``day``."""
    return (day - template_start).days // 7 * 7


# -- the year's rows, bulk-written ---------------------------------------------------------------


def write_exams(d, p, year, per_day: int, seed: int) -> int:
    """Signed exams over ``year``: the demo's simulated week repeated to ``per_day`` a day."""
    rng = random.Random(seed)
    monday = year.start - dt.timedelta(days=year.start.weekday())
    week = scenario_from_demo(d, days=7, start=monday, drain_days=0).arrivals
    by_weekday: dict[int, list] = defaultdict(list)
    for a in week:
        by_weekday[a.exam.ready_at.weekday()].append(a.exam)
    factor = per_day * 7 / len(week)
    sites = {s.code: s for s in m.Site.objects.filter(member__platform=p)}
    classes = {pc.code: pc for pc in w.PriorityClass.objects.filter(platform=p)}
    devices = {
        (e.site_id, e.modality): e.pk for e in m.Equipment.objects.filter(site__member__platform=p)
    }
    readers: dict[int, tuple[list, list]] = {}  # site -> (own member's readers, others')
    people = list(m.Practitioner.objects.filter(member__platform=p).prefetch_related("sites"))
    for s in sites.values():
        here = [x for x in people if s in x.sites.all()] or people
        own = [x for x in here if x.member_id == s.member_id] or here
        other = [x for x in here if x.member_id != s.member_id] or own
        readers[s.pk] = (own, other)
    patients = [
        w.Patient(
            pseudonym=f"BENCH-{i:07d}",
            family_name="Bench",
            given_name="Patient",
            birth_date=dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
            nir=f"1{i:014d}",
        )
        for i in range(max(5000, per_day * 20))
    ]
    w.Patient.objects.bulk_create(patients, batch_size=BATCH)
    written = 0
    day = year.start
    while day < year.end:
        orders, exams = [], []
        for ex in by_weekday[day.weekday()]:
            copies = int(factor) + (1 if rng.random() < factor - int(factor) else 0)
            for _c in range(copies):
                site = sites[ex.site]
                pc = classes[ex.priority.value]
                jitter = rng.randint(-1800, 1800) if _c else 0
                ready = local(day, ex.ready_at.time()) + dt.timedelta(seconds=jitter)
                if timezone.localtime(ready).date() != day:
                    ready = local(day, ex.ready_at.time())
                took = pc.target_minutes * math.exp(rng.gauss(math.log(0.55), 0.6))
                own, other = readers[site.pk]
                reader = rng.choice(other if rng.random() < 0.2 else own)
                patient = patients[rng.randrange(len(patients))]
                orders.append(
                    w.Order(
                        patient=patient,
                        member_id=site.member_id,
                        site=site,
                        priority=pc,
                        requested_at=ready - dt.timedelta(minutes=30),
                    )
                )
                exams.append(
                    w.Exam(
                        patient=patient,
                        member_id=site.member_id,
                        site=site,
                        priority=pc,
                        modality=ex.modality,
                        competence=ex.competence,
                        work_units=ex.work_units,
                        equipment_id=devices.get((site.pk, ex.modality)),
                        status=w.Exam.Status.SIGNED,
                        ready_at=ready,
                        signed_at=ready + dt.timedelta(minutes=took),
                        reader=reader,
                    )
                )
        w.Order.objects.bulk_create(orders, batch_size=BATCH)
        for order, exam in zip(orders, exams, strict=True):
            exam.order = order
        w.Exam.objects.bulk_create(exams, batch_size=BATCH)
        written += len(exams)
        day += dt.timedelta(days=1)
    return written


def write_slots(p, year, seed: int) -> int:
    """A published plan over ``year`` whose slots repeat the demo plan's first four weeks; two
    slots in three booked (a booking each)."""
    rng = random.Random(seed + 1)
    template = pm.VacationPlan.objects.filter(platform=p, status="published").order_by("start")[0]
    t0 = template.start
    rows = list(
        pm.Slot.objects.filter(
            plan=template, start__gte=local(t0), start__lt=local(t0 + dt.timedelta(days=28))
        ).values("equipment_id", "start", "end", "purpose", "member_id", "pdses", "status")
    )
    exam_types = {}
    for et in pm.ExamType.objects.order_by("pk"):
        exam_types.setdefault(et.modality, et)
    fallback = next(iter(exam_types.values()))
    modality = dict(m.Equipment.objects.values_list("pk", "modality"))
    plan = pm.VacationPlan.objects.create(
        platform=p,
        name=f"Plan de l'année 1 ({year.start:%d/%m/%Y})",
        start=year.start,
        end=year.end,
        status="published",
        published_at=local(year.start),
    )
    members = list(m.Member.objects.filter(platform=p).values_list("pk", flat=True))
    written, n = 0, 0
    block = week_offset(t0, year.start)
    while t0 + dt.timedelta(days=block) < year.end:
        slots, bookings = [], []
        for r in rows:
            start = shifted(r["start"], block)
            if not (local(year.start) <= start < local(year.end)):
                continue
            end = shifted(r["end"], block)
            slot = pm.Slot(
                plan=plan,
                equipment_id=r["equipment_id"],
                start=start,
                end=end,
                purpose=r["purpose"],
                member_id=r["member_id"],
                pdses=r["pdses"],
                status=r["status"],
            )
            if r["status"] == "open" and rng.random() < 2 / 3:
                n += 1
                specialised = r["purpose"] not in ("general", "emergency")
                slot.booking = pm.Booking(
                    order_reference=f"BENCH-{n:08d}",
                    exam_type=exam_types.get(modality[r["equipment_id"]], fallback),
                    priority="emergency" if r["purpose"] == "emergency" else "routine",
                    purpose=r["purpose"] if specialised else "",
                    patient_pseudonym=f"BENCH-{n % 100000:07d}",
                    member_id=r["member_id"] or rng.choice(members),
                    equipment_id=r["equipment_id"],
                    start=start,
                    end=end,
                    used_reserved=r["purpose"] if r["purpose"] != "general" else "",
                )
                bookings.append(slot.booking)
            slots.append(slot)
        pm.Booking.objects.bulk_create(bookings, batch_size=BATCH)
        for slot in slots:
            if slot.booking is not None:
                slot.booking_id = slot.booking.pk
        pm.Slot.objects.bulk_create(slots, batch_size=BATCH)
        written += len(slots)
        block += 28
    return written


def write_rotas(p, year, seed: int) -> int:
    """A published rota a month of ``year``, its duties repeating the demo's first month (by
    weekday), one in fifty left unfilled."""
    rng = random.Random(seed + 2)
    template = om.Rota.objects.filter(platform=p, status="published").order_by("start")[0]
    t0 = template.start
    rows = list(
        om.RotaShift.objects.filter(rota=template, date__lt=t0 + dt.timedelta(days=28)).values(
            "line_id", "key", "date", "category", "starts_at", "ends_at", "assignment__practitioner"
        )
    )
    rotas = {}
    month = year.start.replace(day=1)
    while month < year.end:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        rotas[month] = om.Rota.objects.create(
            platform=p,
            title=f"Tableau de garde de {month:%m/%Y}",
            start=month,
            end=nxt - dt.timedelta(days=1),
            status="published",
        )
        month = nxt
    written = 0
    block = week_offset(t0, year.start)
    while t0 + dt.timedelta(days=block) < year.end:
        shifts, holders = [], []
        for r in rows:
            day = r["date"] + dt.timedelta(days=block)
            if not (year.start <= day < year.end):
                continue
            shifts.append(
                om.RotaShift(
                    rota=rotas[day.replace(day=1)],
                    line_id=r["line_id"],
                    key=f"{r['key']}@{day:%Y%m%d}",
                    date=day,
                    category=r["category"],
                    starts_at=shifted(r["starts_at"], block),
                    ends_at=shifted(r["ends_at"], block),
                )
            )
            holders.append(r["assignment__practitioner"])
        om.RotaShift.objects.bulk_create(shifts, batch_size=BATCH)
        om.RotaAssignment.objects.bulk_create(
            (
                om.RotaAssignment(shift=s, practitioner_id=h)
                for s, h in zip(shifts, holders, strict=True)
                if h is not None and rng.random() >= 0.02
            ),
            batch_size=BATCH,
        )
        written += len(shifts)
        block += 28
    return written


def write_evidence(p, year) -> int:
    rcp = ev.Commitment.objects.filter(platform=p, topic=ev.Topic.RCP).first()
    if rcp is None:
        return 0
    rows = []
    month = year.start
    while month < year.end:
        e = ev.Evidence(
            commitment=rcp, date=month + dt.timedelta(days=14), count=9, description="RCP"
        )
        e.attachment.save("rcp.txt", ContentFile(b"RCP\n"), save=False)
        rows.append(e)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    ev.Evidence.objects.bulk_create(rows)
    return len(rows)


# -- the plain aggregates ------------------------------------------------------------------------


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column} AT TIME ZONE 'Europe/Paris')"
    return f"strftime('%%Y-%%m', {column})"


def plain_exams(year) -> int:
    took = (
        "EXTRACT(EPOCH FROM (signed_at - ready_at))"
        if connection.vendor == "postgresql"
        else "(julianday(signed_at) - julianday(ready_at)) * 86400"
    )
    sql = (
        f"SELECT {_month('signed_at')}, priority_id, COUNT(*), AVG({took}) FROM worklist_exam "
        "WHERE status = 'signed' AND signed_at >= %s AND signed_at < %s "
        "AND ready_at IS NOT NULL GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [local(year.start), local(year.end)])
        return len(cursor.fetchall())


def plain_slots(year) -> int:
    sql = (
        f"SELECT {_month('s.start')}, s.purpose, s.pdses, s.booking_id IS NULL, COUNT(*) "
        "FROM planning_slot s JOIN planning_vacationplan v ON v.id = s.plan_id "
        "WHERE v.status = 'published' AND s.status = 'open' AND s.start >= %s AND s.start < %s "
        "GROUP BY 1, 2, 3, 4"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [local(year.start), local(year.end)])
        return len(cursor.fetchall())


def plain_duties(year) -> int:
    month = (
        "date_trunc('month', s.date)"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m', s.date)"
    )
    sql = (
        f"SELECT {month}, s.line_id, COUNT(*), COUNT(a.id) FROM oncall_rotashift s "
        "JOIN oncall_rota r ON r.id = s.rota_id LEFT JOIN oncall_rotaassignment a "
        "ON a.shift_id = s.id WHERE r.status = 'published' AND s.date >= %s AND s.date < %s "
        "GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year.start, year.end])
        return len(cursor.fetchall())


# -- timing --------------------------------------------------------------------------------------


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(first run, median of the runs after it, last result), in seconds."""
    runs, result = [], None
    for _ in range(repeat + 1):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return runs[0], statistics.median(runs[1:]), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--per-day", type=int, default=None, help="exams a day (685 × scale)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    per_day = args.per_day or PER_DAY_PER_SCALE * args.scale

    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        t = time.perf_counter()
        today = timezone.localdate()
        load_demo(seed=args.seed, scale=args.scale, today=today)
        demo_s = time.perf_counter() - t
        p = m.Platform.objects.get()
        p.authorized_on = selectors.add_years(p.authorized_on, -1)
        m.Platform.objects.filter(pk=p.pk).update(authorized_on=p.authorized_on)
        year = selectors.authorisation_year(p, 1)
        d = generate(seed=args.seed, scale=args.scale, today=today)
        t = time.perf_counter()
        exams = write_exams(d, p, year, per_day, args.seed)
        slots = write_slots(p, year, args.seed)
        duties = write_rotas(p, year, args.seed)
        write_evidence(p, year)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them
        bulk_s = time.perf_counter() - t
        context = {
            "database": connection.vendor,
            "scale": args.scale,
            "period": f"{year.start}/{year.end}",
            "exams": exams,
            "slots": slots,
            "duties": duties,
            "demo_load_s": round(demo_s, 1),
            "bulk_insert_s": round(bulk_s, 1),
        }
        if not args.json:
            print(
                f"Annual report, year 1 ({year.start:%d/%m/%Y} – {year.end:%d/%m/%Y}), demo scale "
                f"{args.scale} on {connection.vendor}: {exams:,} signed exams, {slots:,} slots, "
                f"{duties:,} duties [demo {demo_s:.0f} s, bulk inserts {bulk_s:.0f} s]; "
                f"median of {args.repeat} runs after a first"
            )
            print(f"{'':44} {'first s':>9} {'median s':>9} {'ratio':>7}")

        plain = {}
        for key, fn in (
            ("exams", plain_exams),
            ("slots", plain_slots),
            ("duties", plain_duties),
        ):
            first, median, _rows = timed(lambda fn=fn: fn(year), args.repeat)
            plain[key] = median
            emit(
                args,
                {"bench": f"report.plain_{key}", **context, "first_s": first, "median_s": median},
                f"{'plain SQL aggregate over the ' + key:44} {first:>9.3f} {median:>9.3f}",
            )

        def ctx():
            return selectors.context(p, year.start, year.end, today=today)

        base_of = dict.fromkeys(EXAM_TABLES, "exams")
        base_of.update(dict.fromkeys(SLOT_TABLES, "slots"))
        base_of.update(dict.fromkeys(DUTY_TABLES, "duties"))
        for code in REGISTRY:
            first, median, done = timed(
                lambda code=code: selectors.compute(code, ctx()), args.repeat
            )
            base = base_of.get(code)
            ratio = median / plain[base] if base and plain[base] else None
            state = "missing" if done.missing else f"{done.headline}"
            emit(
                args,
                {
                    "bench": f"report.indicator.{code}",
                    **context,
                    "first_s": round(first, 4),
                    "median_s": round(median, 4),
                    "plain": base,
                    "ratio": round(ratio, 2) if ratio else None,
                    "headline": None if done.missing else done.headline,
                },
                f"  {code + ' (' + state + ')':42} {first:>9.3f} {median:>9.3f} "
                + (f"{ratio:>6.1f}x" if ratio else f"{'':>7}"),
            )
        first, median, _all = timed(lambda: selectors.compute_all(ctx()), args.repeat)
        every = median
        emit(
            args,
            {
                "bench": "report.every_indicator",
                **context,
                "first_s": round(first, 3),
                "median_s": round(median, 3),
                "over_plain_exams": round(median / plain["exams"], 1),
            },
            f"{'every indicator (one context)':44} {first:>9.3f} {median:>9.3f} "
            f"{median / plain['exams']:>6.1f}x",
        )

        coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
        draft = services.draft_create(actor=coordinator, kind=ev.ReportKind.ANNUAL, year=1)
        report = ev.Report.objects.create(
            draft=draft,
            period_start=year.start,
            period_end=year.end,
            provisional=not year.closed(today),
            created_by=coordinator,
        )
        stages = {}
        first, stages["build"], content = timed(lambda: documents.build(report), args.repeat)
        f_pdf, stages["pdf"], pdf = timed(lambda: documents.to_pdf(content), args.repeat)
        f_odt, stages["odt"], odt = timed(lambda: documents.to_odt(content), args.repeat)
        labels = {
            "build": "report content (every figure, table, criterion)",
            "pdf": "PDF (WeasyPrint)",
            "odt": "ODT (odfpy)",
        }
        for key, first_s in (("build", first), ("pdf", f_pdf), ("odt", f_odt)):
            emit(
                args,
                {
                    "bench": f"report.{key}",
                    **context,
                    "first_s": round(first_s, 3),
                    "median_s": round(stages[key], 3),
                },
                f"{labels[key]:44} {first_s:>9.3f} {stages[key]:>9.3f}",
            )
        total = stages["build"] + stages["pdf"] + stages["odt"]
        emit(
            args,
            {
                "bench": "report.total",
                **context,
                "every_indicator_s": round(every, 3),
                "report_s": round(total, 3),
                "pdf_bytes": len(pdf),
                "odt_bytes": len(odt),
                "target_s": 60,
            },
            f"{'the annual report, all in (build+PDF+ODT)':44} {'':>9} {total:>9.3f}   "
            f"(target 60 s; PDF {len(pdf) / 1e6:.1f} MB, ODT {len(odt) / 1e6:.1f} MB)",
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
