"""The ledger at a year of the demo: a month's entries, its close, every member's statement.

    python bench/ledger.py [--scale 4] [--history-months 11] [--json]

The demo's registry at ``--scale`` (``demo.loader``), the sourced tariffs, then one month of
signed CT/MRI exams at 680 × scale a day (scale 4: about 82,000 a month, a million a year),
written in bulk, and ``--history-months`` earlier months of entries (three per exam, bulk) so
that the entry table holds a year. Timed (wall clock, database included):

- ``write_exam_entries`` over the month's exams (act, technical fee ranked per device and year,
  archiving supplement; chunks of 5,000 exams, one transaction each);
- the month's five cost and revenue lines shared by the fixed key, then ``period_close``;
- every member's statement (``selectors.statements``) and its CSV with every entry;

and one plain SQL aggregate over the same rows (``SELECT member_id, kind, SUM(amount) ... GROUP
BY``) for the ratio. SQLite in memory with ``PIMM_DB_ENGINE=sqlite``; otherwise PostgreSQL (the
PIMM_DB_* variables) in the test database ``PIMM_DB_TEST_NAME``, created and dropped here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pimm.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from pimm.accounts.models import User  # noqa: E402
from pimm.accounts.roles import Role  # noqa: E402
from pimm.demo.generator import generate  # noqa: E402
from pimm.demo.loader import _write  # noqa: E402
from pimm.ledger import exports, imports, selectors, services  # noqa: E402
from pimm.ledger import models as lm  # noqa: E402
from pimm.registry import models as m  # noqa: E402
from pimm.worklist import models as w  # noqa: E402
from pimm.worklist import selectors as worklist_selectors  # noqa: E402
from pimm.worklist import services as worklist  # noqa: E402

KINDS = {"CT": ("CT/general", "CT/neuro", "CT/msk"), "MRI": ("MRI/neuro", "MRI/msk")}


def _month(today: dt.date, back: int) -> dt.date:
    y, mo = divmod(today.year * 12 + today.month - 1 - back, 12)
    return dt.date(y, mo + 1, 1)


def write_month(month: dt.date, per_day: int, rng: random.Random) -> list[int]:
    """Signed exams of one month, in bulk (no signal: the ledger is timed separately)."""
    platform = m.Platform.objects.get()
    classes = {c.code: c for c in worklist.priority_classes_ensure(platform=platform)}
    devices = list(
        m.Equipment.objects.filter(modality__in=KINDS, active=True).select_related("site")
    )
    readers = list(m.Practitioner.objects.filter(active=True))
    patients = w.Patient.objects.bulk_create(
        w.Patient(
            pseudonym=f"B{i:09d}",
            family_name="BENCH",
            given_name="P",
            birth_date=dt.date(1960, 1, 1),
            nir=f"{i:015d}",
        )
        for i in range(2000)
    )
    end = services.month_end(month)
    ids: list[int] = []
    day = month
    while day <= end:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
        orders, exams = [], []
        for i in range(per_day):
            dev = devices[i % len(devices)]
            at = start + dt.timedelta(seconds=rng.randrange(0, 12 * 3600))
            pat = patients[rng.randrange(len(patients))]
            orders.append(
                w.Order(
                    patient=pat,
                    member=dev.site.member,
                    site=dev.site,
                    priority=classes["outpatient"],
                    requested_at=at,
                )
            )
        orders = w.Order.objects.bulk_create(orders, batch_size=5000)
        for i, order in enumerate(orders):
            dev = devices[i % len(devices)]
            exams.append(
                w.Exam(
                    order=order,
                    patient=order.patient,
                    member=order.member,
                    site=order.site,
                    priority=order.priority,
                    modality=dev.modality,
                    exam_type=f"{rng.choice(KINDS[dev.modality])}@{dev.code}",
                    equipment=dev,
                    status=w.Exam.Status.SIGNED,
                    ready_at=order.requested_at,
                    signed_at=order.requested_at + dt.timedelta(hours=1),
                )
            )
        exams = w.Exam.objects.bulk_create(exams, batch_size=5000)
        w.Report.objects.bulk_create(
            (
                w.Report(
                    exam=e,
                    status=w.Report.Status.SIGNED,
                    text="ok",
                    author=(r := readers[e.pk % len(readers)]),
                    signed_by=r,
                    signed_at=e.signed_at,
                )
                for e in exams
            ),
            batch_size=5000,
        )
        ids += [e.pk for e in exams]
        day += dt.timedelta(days=1)
    return ids


def write_history(platform, months: list[dt.date], per_month: int, rng) -> int:
    """Earlier months' entries in bulk (closed), so the table holds a year."""
    members = list(m.Member.objects.values_list("pk", flat=True))
    n = 0
    for month in months:
        period = lm.Period.objects.create(
            platform=platform,
            month=month,
            status=lm.Period.Status.CLOSED,
            closed_at=timezone.now(),
        )
        rows = []
        for i in range(per_month):
            rows.append(
                lm.Entry(
                    period=period,
                    date=month,
                    member_id=members[i % len(members)],
                    kind=lm.Entry.Kind.ACT,
                    code="ZBQK001",
                    label="hist",
                    amount=Decimal("25.27"),
                )
            )
            rows.append(
                lm.Entry(
                    period=period,
                    date=month,
                    member_id=members[i % len(members)],
                    kind=lm.Entry.Kind.TECHNICAL_FEE,
                    code="FT-CT",
                    label="hist",
                    amount=Decimal(rng.choice(("69.38", "54.68", "93.53"))),
                )
            )
            rows.append(
                lm.Entry(
                    period=period,
                    date=month,
                    member_id=members[i % len(members)],
                    kind=lm.Entry.Kind.SUPPLEMENT,
                    code="YYYY600",
                    label="hist",
                    amount=Decimal("1.50"),
                )
            )
            if len(rows) >= 30000:
                lm.Entry.objects.bulk_create(rows, batch_size=10000)
                n += len(rows)
                rows = []
        lm.Entry.objects.bulk_create(rows, batch_size=10000)
        n += len(rows)
    return n


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--history-months", type=int, default=11)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    engine = connection.vendor
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        today = timezone.localdate()
        month = _month(today, 0)
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            t0 = time.perf_counter()
            _write(generate(seed=args.seed, scale=args.scale, today=today))
            imports.load_reference()
            platform = m.Platform.objects.get()
            coordinator = User.objects.filter(role=Role.COORDINATOR).first()
            per_day = 680 * args.scale
            ids = write_month(month, per_day, rng)
            hist = write_history(
                platform,
                [_month(today, k) for k in range(1, args.history_months + 1)],
                len(ids),
                rng,
            )
            setup_s = time.perf_counter() - t0
            if engine == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

            def produce():
                t = services.Tariffs.load(platform.pk)
                written = fixes = 0
                for i in range(0, len(ids), 5000):
                    pairs = worklist_selectors.signed_exams_with_signers(exam_ids=ids[i : i + 5000])
                    a, b = services.write_exam_entries(
                        pairs, platform_id=platform.pk, today=month, tariffs=t
                    )
                    written, fixes = written + a, fixes + b
                return written, fixes

            produce_s, (written, fixes) = timed(produce)
            period = lm.Period.objects.get(platform=platform, month=month)
            for label, amount, kind in (
                ("Crédit-bail", "42000.00", "cost"),
                ("Maintenance", "8750.40", "cost"),
                ("Personnel", "61234.57", "cost"),
                ("Informatique", "5100.00", "cost"),
                ("Dotation", "15000.00", "revenue"),
            ):
                services.cost_line_create(
                    actor=coordinator,
                    period=period,
                    kind=kind,
                    category="other",
                    label=label,
                    amount=Decimal(amount),
                    basis="fixed",
                )

            def close():
                services.allocate_all(actor=coordinator, period=period)
                return services.period_close(actor=coordinator, period=period)

            close_s, _p = timed(close)

            def statements():
                sts = selectors.statements(period=period)
                totals = selectors.platform_totals(period=period)
                assert sum(s.produced for s in sts) == totals.produced
                return sts

            statements_s, sts = timed(statements)

            def csvs():
                return sum(
                    len(
                        exports.statement_csv(
                            s,
                            selectors.entries_for(
                                coordinator, period=period, member_id=s.member_id
                            ),
                        )
                    )
                    for s in sts
                )

            csv_s, csv_bytes = timed(csvs)
            month_rows = lm.Entry.objects.filter(period=period).count()

            def aggregate():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT member_id, kind, SUM(amount) FROM ledger_entry "
                        "WHERE period_id = %s GROUP BY member_id, kind",
                        [period.pk],
                    )
                    return cursor.fetchall()

            aggregate()  # warm
            agg_s = min(timed(aggregate)[0] for _ in range(3))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    result = {
        "engine": engine,
        "scale": args.scale,
        "exams_in_month": len(ids),
        "entries_in_month": month_rows,
        "entries_in_year": month_rows + hist,
        "to_fix": fixes,
        "setup_s": round(setup_s, 1),
        "produce_entries_s": round(produce_s, 2),
        "close_s": round(close_s, 3),
        "statements_s": round(statements_s, 3),
        "statements_csv_s": round(csv_s, 2),
        "csv_bytes": csv_bytes,
        "plain_aggregate_s": round(agg_s, 4),
        "ratio_statements_to_aggregate": round(statements_s / agg_s, 2) if agg_s else None,
        "members": len(sts),
        "load": Path("/proc/loadavg").read_text().split()[:3],
    }
    if args.json:
        print(json.dumps(result))
        return
    for k, v in result.items():
        print(f"{k:32} {v}")


if __name__ == "__main__":
    main()
