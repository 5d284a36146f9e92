"""One routing decision through Django and the database at about 20,000 exams a day.

    python bench/routing_db.py [--per-day 20000] [--at 11] [--decisions 200] [--history-days 7]
                               [--baseline-every 4] [--json]

``services.exam_route`` loads the exam, reads the slice of the routing state one decision needs
(``adapter.ExamRouting``: the readers privileged on the exam's site who can read now, with the
exams they hold), routes the exam with the engine and writes the decision (claim, assignment,
status, event, history rows). What changes seldom (readers, privileges, presence plan, published
rota, service levels) is kept in memory per process under a generation token read on every
decision (``worklist.inputs``); the exam and the exams held are read with two queries compiled
once per process, prepared on PostgreSQL (``worklist.prepared``).

This bench puts the database in the state of a busy weekday of the demo PIMM scaled to
``--per-day`` exams: the day is simulated with the engine up to ``--at`` o'clock, the exams then
waiting or held by a reader are written, with ``--history-days`` earlier days of signed exams
(bulk); then ``--decisions`` new emergency exams are routed one by one. For each, the decision
alone (load the exam, read the slice, route; nothing written) and then the whole
``exam_route`` call are timed (wall clock, database included); every ``--baseline-every`` exams
the decision is timed again after dropping the in-memory inputs (the first decision after a
change, or of a new process). SQLite in memory with ``PIMM_DB_ENGINE=sqlite``; otherwise
PostgreSQL (the PIMM_DB_* variables) in the test database ``PIMM_DB_TEST_NAME``, created,
analysed and dropped by the bench.

Figures (2-core machine, load about 1, 23/11/2026; 20,378 exams/day: demo scale 43, 2,580
readers, 361 exams held or waiting at 11:00, 142,646 signed exams before; 200 decisions):

=============================================  ==================  ====================
                                               SQLite p50 / p99    PostgreSQL p50 / p99
=============================================  ==================  ====================
decision, inputs in memory (the target: 5 ms)  2.21 / 2.79 ms      2.56 / 4.03 ms
first decision after a change (reload)         122.1 / 124.8 ms    84.4 / 108.3 ms
exam_route(): decision + audited writes        8.31 / 9.90 ms      13.29 / 17.24 ms
=============================================  ==================  ====================

A decision reads four compiled queries (generation, exam, exams held by the site's readers,
readers whose queue is not empty) and tells the one-site slice the week's emergency demand and
who is available and free elsewhere (what the whole state would know: ``RoutingState.
coverage_harm`` and ``emergency_need``); without those two the decision took p50 1.38 / p99
2.26 ms (SQLite) and 1.72 / 2.93 ms (PostgreSQL) but routed with less than the bench's router
knows. A reload reads every active reader, the availability of a 48-hour window and a week of
emergencies per competence and site.
(``PIMM_DB_ENGINE=sqlite python bench/routing_db.py``, and with
``eval "$(scripts/ensure-postgres.sh)"; PIMM_DB_TEST_NAME=test_pimm_bench`` for PostgreSQL.)
The "max" column of the table is the first decision of the run, which loads the inputs.
Before the in-memory inputs and compiled queries (same day, same bench without history): the
decision took p50 6.2 / p99 10.3 ms on SQLite and p50 10.1 / p99 16.5 ms on PostgreSQL (five
ORM queries, most of their time spent building SQL); before the one-site slice, exam_route took
p50 72 ms / 89 ms (whole state rebuilt). The engine alone: ``bench/routing.py --latency``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pimm.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from pimm.demo.generator import generate  # noqa: E402
from pimm.engine.routing import AvailabilityKind, Router  # noqa: E402
from pimm.engine.simulation import Simulation  # noqa: E402
from pimm.engine.simulation.demo_adapter import scenario_from_demo  # noqa: E402
from pimm.engine.simulation.metrics import percentile  # noqa: E402
from pimm.oncall import models as om  # noqa: E402
from pimm.registry import models as m  # noqa: E402
from pimm.worklist import adapter, inputs, services  # noqa: E402
from pimm.worklist import models as w  # noqa: E402

DAY = dt.date(2027, 1, 4)  # a Monday


def emit(args, row: dict, text: str) -> None:
    print(json.dumps(row, ensure_ascii=False) if args.json else text, flush=True)


def aware(t: dt.datetime) -> dt.datetime:
    return timezone.make_aware(t)


def write_registry(d) -> tuple[dict, dict, dict]:
    platform = m.Platform.objects.create(
        name=d.platform.name,
        legal_form=m.Platform.LegalForm.GCS_MOYENS,
        carrier_name=f"GCS {d.platform.name}",
        siren=d.platform.siren,
        region=d.platform.region,
        ars_decision=d.platform.ars_decision,
        authorized_on=d.platform.authorized_on,
    )
    members = {
        x.code: m.Member.objects.create(
            platform=platform,
            code=x.code,
            name=x.name,
            kind=x.kind,
            finess=x.finess or "",
            siren=x.siren,
            is_ght_lead=x.is_ght_lead,
            joined_on=d.platform.authorized_on,
        )
        for x in d.members
    }
    sites = {
        s.code: m.Site.objects.create(
            member=members[s.member_code],
            code=s.code,
            name=s.name,
            postcode=s.postcode,
            town=s.town,
            departement=s.departement,
            latitude=s.lat,
            longitude=s.lon,
        )
        for s in d.sites
    }
    readers = {}
    for p in d.practitioners:
        r = m.Practitioner.objects.create(
            member=members[p.member_code],
            rpps=p.rpps,
            first_name=p.first_name,
            last_name=p.last_name,
            status=p.status,
            competences=list(p.competences),
        )
        r.sites.set([sites[c] for c in p.site_codes])
        readers[p.code] = r
    classes = {
        pc.code: pc for pc in services.priority_classes_ensure(platform=platform, actor=None)
    }
    return sites, readers, classes


def write_state(sc, sim, sites, readers, classes) -> int:
    """Presence rows for the day, and the exams waiting or held at the cut (bulk writes)."""
    om.ReaderPresence.objects.bulk_create(
        om.ReaderPresence(
            practitioner=readers[e.reader_id],
            site=sites.get(e.site) if e.site else None,
            start=aware(e.start),
            end=aware(e.end),
            on_duty=e.kind == AvailabilityKind.DUTY,
        )
        for e in sc.rota
    )
    st = sim.state
    open_ids = list(st.exams)  # held or waiting, not signed
    by_id = {a.exam.id: a.exam for a in sc.arrivals}
    patients = {}
    for eid in open_ids:
        pk = by_id[eid].patient_key
        if pk not in patients:
            patients[pk] = w.Patient(
                pseudonym=f"PAT-{pk[3:]}",
                family_name="Bench",
                given_name="Patient",
                birth_date=dt.date(1970, 1, 1),
                nir=f"1{len(patients):014d}",
            )
    w.Patient.objects.bulk_create(patients.values())
    orders = []
    for eid in open_ids:
        ex = by_id[eid]
        site = sites[ex.site]
        orders.append(
            w.Order(
                patient=patients[ex.patient_key],
                member=site.member,
                site=site,
                priority=classes[ex.priority.value],
                requested_at=aware(ex.ready_at),
            )
        )
    w.Order.objects.bulk_create(orders)
    exams = []
    for eid, order in zip(open_ids, orders, strict=True):
        ex = by_id[eid]
        holder = st.holder.get(eid)
        exams.append(
            w.Exam(
                order=order,
                patient=order.patient,
                member=order.member,
                site=order.site,
                priority=order.priority,
                modality=ex.modality,
                competence=ex.competence,
                critical=ex.critical,
                work_units=ex.work_units,
                status=w.Exam.Status.ASSIGNED if holder else w.Exam.Status.IMAGES_AVAILABLE,
                ready_at=aware(ex.ready_at),
                deadline=aware(ex.deadline),
                reader=readers[holder] if holder else None,
            )
        )
    w.Exam.objects.bulk_create(exams)
    w.Assignment.objects.bulk_create(
        w.Assignment(
            exam=exam,
            reader=exam.reader,
            assigned_at=aware(st.assigned_at.get(eid, by_id[eid].ready_at)),
            opened_at=aware(st.opened[eid]) if eid in st.opened else None,
        )
        for eid, exam in zip(open_ids, exams, strict=True)
        if exam.reader is not None
    )
    return len(exams)


def write_history(sc, sites, readers, classes, days: int) -> int:
    """``days`` earlier days of the same arrivals, read and signed (bulk writes): a platform in
    service holds every exam ever read, and routing must find the open few among them."""
    patients = [
        w.Patient(
            pseudonym=f"PAT-hist-{i}",
            family_name="Bench",
            given_name="Ancien",
            birth_date=dt.date(1960, 1, 1),
            nir=f"3{i:014d}",
        )
        for i in range(2000)
    ]
    w.Patient.objects.bulk_create(patients)
    reader_list = list(readers.values())
    written = 0
    for d in range(1, days + 1):
        shift = dt.timedelta(days=d)
        orders, exams = [], []
        for i, a in enumerate(sc.arrivals):
            ex = a.exam
            site = sites[ex.site]
            ready = aware(ex.ready_at - shift)
            orders.append(
                w.Order(
                    patient=patients[i % len(patients)],
                    member=site.member,
                    site=site,
                    priority=classes[ex.priority.value],
                    requested_at=ready,
                )
            )
        w.Order.objects.bulk_create(orders, batch_size=2000)
        for i, (a, order) in enumerate(zip(sc.arrivals, orders, strict=True)):
            ex = a.exam
            ready = aware(ex.ready_at - shift)
            exams.append(
                w.Exam(
                    order=order,
                    patient=order.patient,
                    member=order.member,
                    site=order.site,
                    priority=order.priority,
                    modality=ex.modality,
                    competence=ex.competence,
                    work_units=ex.work_units,
                    status=w.Exam.Status.SIGNED,
                    ready_at=ready,
                    deadline=aware(ex.deadline - shift),
                    signed_at=ready + dt.timedelta(minutes=30),
                    reader=reader_list[i % len(reader_list)],
                )
            )
        w.Exam.objects.bulk_create(exams, batch_size=2000)
        w.Assignment.objects.bulk_create(
            (
                w.Assignment(
                    exam=e,
                    reader=e.reader,
                    assigned_at=e.ready_at,
                    opened_at=e.ready_at + dt.timedelta(minutes=5),
                    ended_at=e.signed_at,
                )
                for e in exams
            ),
            batch_size=2000,
        )
        written += len(exams)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-day", type=int, default=20000)
    ap.add_argument("--at", type=int, default=11, help="hour of the weekday to cut at")
    ap.add_argument("--decisions", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--baseline-every", type=int, default=4, help="time the reloaded baseline every N exams"
    )
    ap.add_argument(
        "--history-days", type=int, default=7, help="earlier days of signed exams in the database"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    probe = scenario_from_demo(generate(seed=args.seed, scale=1), days=1, start=DAY)
    scale = max(1, math.ceil(args.per_day * 1.05 / len(probe.arrivals)))
    d = generate(seed=args.seed, scale=scale)
    sc = scenario_from_demo(d, days=1, start=DAY, drain_days=1)
    sim = Simulation(sc, Router())
    cut = dt.datetime.combine(DAY, dt.time(args.at))
    sim.run_until(cut)

    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        t = time.perf_counter()
        sites, readers, classes = write_registry(d)
        held = write_state(sc, sim, sites, readers, classes)
        history = write_history(sc, sites, readers, classes, args.history_days)
        inputs.bump()  # bulk writes send no signal
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them in service
        setup_s = time.perf_counter() - t
        # the simulation that built the state stays in memory; freeze it so that the garbage
        # collector's full passes (milliseconds over millions of objects) do not land in the
        # timings: a web process holds no such heap
        gc.collect()
        gc.freeze()
        rng = random.Random(args.seed)
        emergency_sites = [s for s in sc.arrivals if s.exam.priority.is_emergency]
        now = aware(cut)
        timings: dict[str, list[float]] = {"decision": [], "reloaded": [], "exam_route": []}
        for i in range(args.decisions):
            ex = rng.choice(emergency_sites).exam
            site = sites[ex.site]
            patient = w.Patient.objects.create(
                pseudonym=f"PAT-new-{i}",
                family_name="Bench",
                given_name="Nouveau",
                birth_date=dt.date(1980, 1, 1),
                nir=f"2{i:014d}",
            )
            order = services.order_create(
                patient=patient, site=site, priority=classes[ex.priority.value], requested_at=now
            )
            exam = services.exam_create(
                order=order,
                modality=ex.modality,
                competence=ex.competence,
                work_units=ex.work_units,
                performed_at=now,
            )
            # the decision alone (read the slice, route; nothing written); every
            # ``--baseline-every`` exams the same decision again with the in-memory inputs
            # dropped first, as after a change of readers, presence or rota (the first decision
            # of every process reloads them too); then the service, which also writes
            t0 = time.perf_counter()
            version, loaded = adapter.exam_to_route(exam.pk)
            adapter.ExamRouting(loaded, version, now).route()
            timings["decision"].append((time.perf_counter() - t0) * 1000)
            if i % args.baseline_every == 0:
                inputs.forget()
                t0 = time.perf_counter()
                version, loaded = adapter.exam_to_route(exam.pk)
                adapter.ExamRouting(loaded, version, now).route()
                timings["reloaded"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            services.exam_route(exam_id=exam.pk, now=now)
            timings["exam_route"].append((time.perf_counter() - t0) * 1000)
            now += dt.timedelta(seconds=86400 / args.per_day)
        context = {
            "database": connection.vendor,
            "scale": scale,
            "exams_per_day": len(sc.arrivals),
            "readers": len(sc.readers),
            "held_or_waiting_at_cut": held,
            "signed_exams_in_history": history,
            "setup_s": round(setup_s, 1),
        }
        labels = {
            "decision": "decision (exam, slice, route), inputs in memory",
            "reloaded": "same, first after a change (inputs reloaded)",
            "exam_route": "exam_route(): decision + audited writes",
        }
        if not args.json:
            print(
                f"Routing through Django + {connection.vendor}: {len(sc.arrivals)} exams/day "
                f"(demo scale {scale}, {len(sc.readers)} readers), {held} exams held or "
                f"waiting at {args.at}:00, {history} signed before [setup {setup_s:.0f} s]"
            )
            print(f"{'':50} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        rows = {}
        for key, values in timings.items():
            values.sort()
            rows[key] = row = {
                "bench": f"routing.db_{key}",
                **context,
                "n": len(values),
                "p50_ms": round(percentile(values, 50), 2),
                "p99_ms": round(percentile(values, 99), 2),
                "max_ms": round(values[-1], 2),
            }
            emit(
                args,
                row,
                f"{labels[key]:50} {row['n']:>5} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                f"{row['max_ms']:>8.2f}",
            )
        ratio = rows["reloaded"]["p50_ms"] / rows["decision"]["p50_ms"]
        emit(
            args,
            {
                "bench": "routing.db_ratio",
                **context,
                "reloaded_over_in_memory_p50": round(ratio, 1),
            },
            f"p50 first after a change / inputs in memory: {ratio:.1f} x",
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
