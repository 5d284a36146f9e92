"""Booking 100,000 orders into a year of slots of the demo PIMM: indexed engine vs naive scan.

    PYTHONPATH=src python bench/booking.py [--orders N] [--scale S] [--sample K] [--json]

A year of vacations is planned for the demo (greedy planner, same hard rules; CP-SAT is benched
in bench/vacations.py), cut into slots with templates, then orders arrive through the year and
are booked one by one by the indexed SlotBook. The naive linear scan (NaiveSlotBook) is timed on
every K-th order only (default K=100), against the same state just before that order is booked;
its answer is checked equal to the index's.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from datetime import datetime, timedelta
from datetime import time as dtime

from pimm.demo.generator import generate
from pimm.engine.booking import (
    BookableDevice,
    ExamType,
    NaiveSlotBook,
    Order,
    Priority,
    Purpose,
    SlotBook,
    SlotTemplate,
    SpecialisedQuota,
    booking_indicators,
    generate_slots,
    windows_from_plan,
)
from pimm.engine.vacations import french_holidays, greedy_plan
from pimm.engine.vacations.demo_adapter import plan_input_from_demo

EXAMS = (
    ExamType("CT_HEAD", "CT", 15),
    ExamType("CT_CHEST", "CT", 15),
    ExamType("CT_TAP", "CT", 30),
    ExamType("MRI_BRAIN", "MRI", 30),
    ExamType("MRI_KNEE", "MRI", 30),
    ExamType("MRI_SPINE", "MRI", 60),
    ExamType("PET_WB", "PET_CT", 60),
    ExamType("BONE_SCAN", "GAMMA", 30),
    ExamType("ANGIO", "INTERV", 60),
)
EXAM_WEIGHTS = (20, 15, 15, 15, 10, 5, 5, 5, 3)
TEMPLATES = (
    SlotTemplate(
        "ct",
        15,
        emergency_slots=2,
        emergency_slots_pdses=4,
        specialised=(
            SpecialisedQuota(Purpose.PAEDIATRIC, 2, weekdays=frozenset({2})),
            SpecialisedQuota(Purpose.SCREENING, 2, weekdays=frozenset({4})),
        ),
        modality="CT",
    ),
    SlotTemplate(
        "mri",
        30,
        emergency_slots=1,
        emergency_slots_pdses=2,
        specialised=(
            SpecialisedQuota(Purpose.NEURO, 2, weekdays=frozenset({3})),
            SpecialisedQuota(Purpose.DISABILITY, 2, weekdays=frozenset({1})),
            SpecialisedQuota(Purpose.PAEDIATRIC, 2, weekdays=frozenset({2})),
        ),
        modality="MRI",
    ),
    SlotTemplate("default", 30, emergency_slots=1, emergency_slots_pdses=1),
)


def build(scale: int):
    demo = generate(seed=42, scale=scale)
    inp = plan_input_from_demo(demo, months=12)
    plan = greedy_plan(inp)
    assert plan.feasible, plan.problems
    hol = french_holidays(inp.start, inp.end)
    devices = tuple(
        BookableDevice(d.id, d.modality, d.site, accessible=(i % 3 != 2))
        for i, d in enumerate(inp.devices)
    )
    slots = generate_slots(windows_from_plan(plan, hol), devices, TEMPLATES)
    return inp, devices, slots, [m.id for m in inp.members]


def make_orders(n: int, inp, devices, members, exams, seed: int = 7):
    rng = random.Random(seed)
    year = (inp.end - inp.start).days
    t0 = inp.start
    sites = sorted({d.site for d in devices})
    out = []
    for i in range(n):
        now = datetime.combine(t0, dtime(7)) + timedelta(minutes=int(i * (year - 100) * 1440 / n))
        exam = rng.choices(exams, [EXAM_WEIGHTS[EXAMS.index(e)] for e in exams])[0]
        prio = Priority.EMERGENCY if rng.random() < 0.08 else Priority.ROUTINE
        purpose = None
        if prio is Priority.ROUTINE and rng.random() < 0.05:
            purpose = {
                "CT": rng.choice((Purpose.PAEDIATRIC, Purpose.SCREENING)),
                "MRI": rng.choice((Purpose.NEURO, Purpose.DISABILITY, Purpose.PAEDIATRIC)),
            }.get(exam.modality)
        kw = {}
        if rng.random() < 0.5:
            kw["member_id"] = rng.choice(members)
        if rng.random() < 0.3:
            kw["not_before"] = now + timedelta(days=rng.randint(1, 30))
        if rng.random() < 0.1:
            kw["earliest_time"] = dtime(rng.choice((9, 10, 14)))
        if rng.random() < 0.05:
            kw["needs_accessibility"] = True
        if rng.random() < 0.2:
            kw["preferred_site"] = rng.choice(sites)
            kw["prefer_within_minutes"] = rng.choice((0, 120, 1440))
        out.append((now, Order(f"O{i}", exam.code, prio, purpose, **kw)))
    return out


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run(n_orders: int, scale: int, sample: int) -> dict:
    t0 = time.perf_counter()
    inp, devices, slots, members = build(scale)
    setup_s = time.perf_counter() - t0
    book = SlotBook(slots, devices, EXAMS)
    naive = NaiveSlotBook.__new__(NaiveSlotBook)  # same state object graph, naive search
    naive.__dict__.update(book.__dict__)
    naive.ordered = sorted(
        (s.start, s.device_id, i) for dev, ss in book.slots.items() for i, s in enumerate(ss)
    )
    present = {d.modality for d in devices}
    orders = make_orders(
        n_orders, inp, devices, members, [e for e in EXAMS if e.modality in present]
    )
    gc.collect()
    gc.freeze()  # the year of slots is long-lived state: keep it out of the cyclic GC's scans
    lat, naive_lat = [], []
    agree = booked = 0
    start = time.perf_counter()
    for i, (now, order) in enumerate(orders):
        if i % sample == 0:
            a = time.perf_counter_ns()
            expected = naive.find(order, now)
            naive_lat.append(time.perf_counter_ns() - a)
            got = book.find(order, now)
            agree += (isinstance(got, tuple) and got == expected) or (
                not isinstance(got, tuple) and not isinstance(expected, tuple)
            )
        a = time.perf_counter_ns()
        out = book.book(order, now)
        lat.append(time.perf_counter_ns() - a)
        booked += out.ok
    wall = time.perf_counter() - start
    naive_time = sum(naive_lat) / 1e9
    ind = booking_indicators(
        book,
        datetime.combine(inp.start, dtime()),
        datetime.combine(inp.end, dtime()),
        orders[len(orders) // 2][0],
    )
    idx_rate = n_orders / (sum(lat) / 1e9)
    naive_rate = len(naive_lat) / naive_time
    return {
        "bench": "booking",
        "scale": scale,
        "orders": n_orders,
        "slots": len(slots),
        "devices": len(devices),
        "booked": booked,
        "refused": n_orders - booked,
        "setup_s": round(setup_s, 2),
        "wall_s": round(wall - naive_time, 2),
        "indexed_bookings_per_s": round(idx_rate),
        "indexed_p50_us": round(percentile(lat, 0.5) / 1000, 1),
        "indexed_p99_us": round(percentile(lat, 0.99) / 1000, 1),
        "naive_sample": len(naive_lat),
        "naive_searches_per_s": round(naive_rate, 1),
        "naive_p50_us": round(percentile(naive_lat, 0.5) / 1000, 1),
        "naive_p99_us": round(percentile(naive_lat, 0.99) / 1000, 1),
        "ratio_throughput": round(idx_rate / naive_rate, 1),
        "ratio_p99": round(percentile(naive_lat, 0.99) / percentile(lat, 0.99), 1),
        "naive_agrees": f"{agree}/{len(naive_lat)}",
        "emergency_offered": ind.emergency_offered,
        "emergency_used": ind.emergency_used,
        "mean_utilisation": round(statistics.mean(ind.utilisation.values()), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--sample", type=int, default=100, help="time the naive scan on 1 order in K")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = run(args.orders, args.scale, args.sample)
    if args.json:
        print(json.dumps(r))
        return
    print(
        f"Booking bench: {r['orders']:,} orders into {r['slots']:,} slots "
        f"({r['devices']} devices, one year, scale {r['scale']}); booked {r['booked']:,}, "
        f"refused {r['refused']:,} (no fitting slot within the 90-day horizon)"
    )
    print(f"{'engine':<28}{'bookings/s':>12}{'p50 µs':>10}{'p99 µs':>10}")
    print(
        f"{'indexed (all orders)':<28}{r['indexed_bookings_per_s']:>12,}"
        f"{r['indexed_p50_us']:>10}{r['indexed_p99_us']:>10}"
    )
    print(
        f"{'naive scan (1 in ' + str(args.sample) + ')':<28}{r['naive_searches_per_s']:>12,}"
        f"{r['naive_p50_us']:>10}{r['naive_p99_us']:>10}"
    )
    print(
        f"ratio indexed/naive: throughput x{r['ratio_throughput']}, p99 x{r['ratio_p99']}; "
        f"naive measured on {r['naive_sample']} orders against the same state, answers agree "
        f"{r['naive_agrees']}"
    )
    print(
        f"emergency slots offered {r['emergency_offered']:,}, used by emergencies "
        f"{r['emergency_used']:,}; mean utilisation {r['mean_utilisation']}"
    )


if __name__ == "__main__":
    main()
