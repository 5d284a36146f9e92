"""Booking engine: slot generation, earliest fit (indexed == naive oracle), reserved slots,
refusals, move, cancel, indicators."""

import random
from datetime import date, datetime, time, timedelta

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
    VacationWindow,
    booking_indicators,
    generate_slots,
    windows_from_plan,
)
from pimm.engine.vacations import (
    Device,
    PlanInput,
    PlanOptions,
    Share,
    ShareScope,
    plan_vacations,
    weekly_sessions,
)

MON = datetime(2026, 3, 2)  # a Monday
DEVICES = (
    BookableDevice("CT1", "CT", "S1"),
    BookableDevice("CT2", "CT", "S2", accessible=False),
    BookableDevice("MR1", "MRI", "S1", exam_types=frozenset({"MRI_BRAIN"})),
)
EXAMS = (
    ExamType("CT_HEAD", "CT", 15),
    ExamType("CT_TAP", "CT", 30),
    ExamType("MRI_BRAIN", "MRI", 30),
    ExamType("MRI_SPINE", "MRI", 60),
)
TEMPLATES = (
    SlotTemplate(
        "ct",
        15,
        emergency_slots=2,
        emergency_slots_pdses=4,
        specialised=(SpecialisedQuota(Purpose.PAEDIATRIC, 2, weekdays=frozenset({0})),),
        modality="CT",
    ),
    SlotTemplate("default", 30, emergency_slots=1, emergency_slots_pdses=2),
)


def windows(days=14, members=("A", "B")):
    out = []
    for d in range(days):
        day = MON + timedelta(days=d)
        if day.weekday() == 6:
            continue
        for i, dev in enumerate(DEVICES):
            for j, (h0, h1) in enumerate(((8, 12), (13, 17))):
                if day.weekday() == 5 and j == 1:
                    continue
                out.append(
                    VacationWindow(
                        id=f"{dev.id}|{day:%Y%m%d}|{j}",
                        device_id=dev.id,
                        start=day.replace(hour=h0),
                        end=day.replace(hour=h1),
                        member_id=members[(d + i + j) % len(members)],
                        pdses=day.weekday() == 5,
                    )
                )
    return out


def make(cls=SlotBook, **kw):
    return cls(generate_slots(windows(**kw), DEVICES, TEMPLATES), DEVICES, EXAMS)


def test_slot_generation_reserved_positions_and_release():
    slots = generate_slots(windows(), DEVICES, TEMPLATES)
    monday_ct = [s for s in slots if s.vacation_id == "CT1|20260302|0"]
    assert len(monday_ct) == 16
    assert [s.purpose for s in monday_ct[:2]] == [Purpose.PAEDIATRIC] * 2
    emerg = [s for s in monday_ct if s.purpose is Purpose.EMERGENCY]
    assert [s.start.time() for s in emerg] == [time(9, 0), time(11, 0)]
    assert emerg[0].release_at == emerg[0].start - timedelta(minutes=120)
    assert monday_ct[0].release_at == monday_ct[0].start - timedelta(hours=48)
    assert all(s.release_at is None for s in monday_ct if s.purpose is Purpose.GENERAL)
    saturday = [s for s in slots if s.vacation_id == "CT1|20260307|0"]
    tuesday = [s for s in slots if s.vacation_id == "CT1|20260303|0"]
    assert sum(s.purpose is Purpose.EMERGENCY for s in saturday) == 4  # PDSES: more
    assert sum(s.purpose is Purpose.EMERGENCY for s in tuesday) == 2
    assert not any(s.purpose is Purpose.PAEDIATRIC for s in tuesday)
    mri = [s for s in slots if s.vacation_id == "MR1|20260302|0"]
    assert len(mri) == 8 and mri[0].end - mri[0].start == timedelta(minutes=30)
    assert slots == sorted(slots, key=lambda s: (s.start, s.device_id))


def random_order(rng, i, now):
    exam = rng.choice(EXAMS)
    priority = Priority.EMERGENCY if rng.random() < 0.15 else Priority.ROUTINE
    purpose = Purpose.PAEDIATRIC if exam.modality == "CT" and rng.random() < 0.1 else None
    kw = {}
    if rng.random() < 0.3:
        kw["member_id"] = rng.choice("AB")
    if rng.random() < 0.2:
        kw["earliest_time"] = time(rng.choice((9, 13, 14)))
    if rng.random() < 0.2:
        kw["latest_time"] = time(rng.choice((10, 12, 16)))
    if rng.random() < 0.2:
        kw["not_before"] = now + timedelta(hours=rng.randint(0, 150))
    if rng.random() < 0.1:
        kw["not_after"] = now + timedelta(hours=rng.randint(0, 200))
    if rng.random() < 0.1:
        kw["needs_accessibility"] = True
    if rng.random() < 0.1:
        kw["allowed_sites"] = frozenset({rng.choice(("S1", "S2"))})
    if rng.random() < 0.2:
        kw["preferred_site"] = rng.choice(("S1", "S2"))
        kw["prefer_within_minutes"] = rng.choice((0, 60, 600))
    return Order(f"O{i}", exam.code, priority, purpose, **kw)


def test_indexed_earliest_fit_equals_naive_oracle_on_random_operations():
    rng = random.Random(20260302)
    fast, slow = make(), make(NaiveSlotBook)
    now = MON - timedelta(days=1)
    booked = refused = moved = cancelled = 0
    for i in range(800):
        now += timedelta(minutes=rng.randint(0, 40))
        r = rng.random()
        if r < 0.1 and fast.bookings:
            bid = rng.choice(sorted(fast.bookings))
            a, b = fast.cancel(bid, now), slow.cancel(bid, now)
            assert (a.ok, a.refusal) == (b.ok, b.refusal)
            cancelled += a.ok
            continue
        if r < 0.3 and fast.bookings:
            bid = rng.choice(sorted(fast.bookings))
            dev = fast.bookings[bid].device_id
            pool = fast.slots[dev]
            if rng.random() < 0.5:  # half the time a free future slot, else any slot
                pool = [x for x in pool if fast.is_free(x.id) and x.start > now] or pool
            target = rng.choice(pool).id
            a, b = fast.move(bid, target, now), slow.move(bid, target, now)
            assert a == b
            moved += a.ok
            continue
        order = random_order(rng, i, now)
        a, b = fast.book(order, now), slow.book(order, now)
        assert (a.booking, a.refusal and a.refusal.code) == (
            b.booking,
            b.refusal and b.refusal.code,
        )
        booked += a.ok
        refused += not a.ok
    assert fast.bookings == slow.bookings
    assert fast.taken == slow.taken
    assert booked > 300 and refused > 10 and moved > 10 and cancelled > 10


def test_emergency_takes_reserved_slot_routine_waits_for_release():
    book = make(days=1)
    now = MON - timedelta(days=3)
    # Fill every general CT slot of the day, then routine orders are refused (reserved not released)
    n = 0
    while (out := book.book(Order(f"R{n}", "CT_HEAD", not_after=MON + timedelta(days=1)), now)).ok:
        assert out.booking.purposes == (Purpose.GENERAL,)
        n += 1
    assert n == 2 * 2 * 16 - 2 * 2 * 2 - 2 * 2 * 2  # 2 CT x 2 halves, minus emergency, paediatric
    assert out.refusal.code == "no_slot"
    emergency = book.book(Order("E1", "CT_HEAD", Priority.EMERGENCY), now)
    assert emergency.ok and emergency.booking.purposes == (Purpose.EMERGENCY,)
    assert emergency.booking.start == datetime(2026, 3, 2, 9, 0) and not emergency.booking.released
    # Same routine order after the release time of the 11:00 emergency slot (2 h before).
    later = book.book(Order("R-late", "CT_HEAD"), datetime(2026, 3, 2, 9, 30))
    assert later.ok and later.booking.start == datetime(2026, 3, 2, 11, 0)
    assert later.booking.purposes == (Purpose.EMERGENCY,) and later.booking.released


def test_reserved_slot_refused_to_routine_until_release():
    book = make(days=1)
    slot = next(
        s for s in book.slots["CT1"] if s.purpose is Purpose.EMERGENCY and s.start.hour == 9
    )
    early = book.book_slot(Order("R1", "CT_HEAD"), slot.id, MON - timedelta(days=1))
    assert early.refusal.code == "slot_reserved" and "02/03/2026 07:00" in early.refusal.message
    assert book.book_slot(Order("E1", "CT_HEAD", Priority.EMERGENCY), slot.id, MON).ok
    paed = book.slots["CT1"][0]
    assert book.book_slot(
        Order("R2", "CT_HEAD"), paed.id, MON - timedelta(days=3)
    ).refusal.code == ("slot_reserved")
    child = Order("P1", "CT_HEAD", purpose=Purpose.PAEDIATRIC)
    assert book.book(child, MON - timedelta(days=3)).booking.slot_ids == (paed.id,)
    general = book.slots["CT1"][2]
    assert book.book_slot(
        Order("P2", "CT_HEAD", purpose=Purpose.PAEDIATRIC), general.id, MON
    ).refusal.code == ("unsuitable")


def test_refusals_closed_device_past_slot_taken_slot():
    book = make(days=2)
    now = MON - timedelta(days=3)  # paediatric slots (released 48 h before) still reserved
    s = book.slots["CT1"][5]
    first = book.book_slot(Order("A", "CT_HEAD"), s.id, now)
    assert first.ok
    taken = book.book_slot(Order("B", "CT_HEAD"), s.id, now)
    assert taken.refusal.code == "slot_taken" and "déjà prise" in taken.refusal.message
    past = book.book_slot(Order("C", "CT_HEAD"), s.id, s.start + timedelta(minutes=1))
    assert past.refusal.code in ("past_slot",)
    hit = book.close("CT1", MON, MON + timedelta(days=1), "panne du tube")
    assert [b.id for b in hit] == ["A"]
    nxt = book.slots["CT1"][6]
    closed = book.book_slot(Order("D", "CT_HEAD"), nxt.id, now)
    assert closed.refusal.code == "closed_device" and "panne du tube" in closed.refusal.message
    # earliest fit skips the closed device: CT2 on Monday 8:00
    out = book.book(Order("E", "CT_HEAD", allowed_sites=None), now)
    assert out.booking.device_id == "CT2" and out.booking.start == datetime(2026, 3, 2, 8, 30)
    unknown = book.book_slot(Order("F", "XR"), nxt.id, now)
    assert unknown.refusal.code == "unknown_exam_type"


def test_no_slot_within_horizon_and_unsuitable_device():
    book = SlotBook(generate_slots(windows(days=2), DEVICES, TEMPLATES), DEVICES, EXAMS)
    out = book.book(Order("X", "MRI_BRAIN", not_before=MON + timedelta(days=5)), MON)
    assert out.refusal.code == "no_slot" and "horizon de 90 jours" in out.refusal.message
    spine = book.book(Order("Y", "MRI_SPINE"), MON)
    assert spine.refusal.code == "no_device"
    access = book.book(
        Order("Z", "CT_HEAD", needs_accessibility=True, allowed_sites=frozenset({"S2"})), MON
    )
    assert access.refusal.code == "no_device"


def test_long_exam_takes_consecutive_slots_in_one_vacation():
    book = make(days=1)
    now = MON - timedelta(days=3)
    out = book.book(Order("L", "CT_TAP", latest_time=time(12)), now)
    assert out.ok and len(out.booking.slot_ids) == 2
    assert out.booking.end - out.booking.start == timedelta(minutes=30)
    assert out.booking.start == datetime(2026, 3, 2, 8, 30)  # 8:00-8:30 is paediatric
    # S1 morning after 8:30-9:00: 9:15-11:00 (3 blocks before the 11:00 emergency slot), 11:15
    late = [
        book.book(
            Order(f"L{i}", "CT_TAP", allowed_sites=frozenset({"S1"}), latest_time=time(12)), now
        )
        for i in range(10)
    ]
    assert [o.ok for o in late].count(True) == 4
    assert all(o.booking.end <= datetime(2026, 3, 2, 12) for o in late if o.ok)


def test_preferred_site_taken_within_tolerance_only():
    book = make(days=2)
    now = MON - timedelta(days=1)
    tuesday = datetime(2026, 3, 3)
    book.book_slot(Order("block", "CT_HEAD"), "CT2|20260303T0800", now)
    # Earliest overall: CT1 8:00 (S1); the preferred site S2 is free from 8:15.
    kw = {"not_before": tuesday, "preferred_site": "S2"}
    far = book.book(Order("Q", "CT_HEAD", prefer_within_minutes=10, **kw), now)
    assert far.booking.site == "S1" and far.booking.start == tuesday.replace(hour=8)
    near = book.book(Order("P", "CT_HEAD", prefer_within_minutes=15, **kw), now)
    assert near.booking.site == "S2" and near.booking.start == tuesday.replace(hour=8, minute=15)


def test_move_and_cancel():
    book = make(days=2)
    now = MON - timedelta(days=1)
    b = book.book(Order("M", "CT_HEAD"), now).booking
    target = "CT2|20260303T1000"
    moved = book.move("M", target, now)
    assert moved.ok and moved.booking.slot_ids == (target,)
    assert book.is_free(b.slot_ids[0]) and not book.is_free(target)
    book.book_slot(Order("N", "CT_HEAD"), "CT2|20260303T1015", now)
    refused = book.move("M", "CT2|20260303T1015", now)
    assert refused.refusal.code == "slot_taken" and book.bookings["M"].slot_ids == (target,)
    assert not book.is_free(target)
    assert book.cancel("M", now).ok and book.is_free(target) and "M" not in book.bookings
    assert book.cancel("M", now).refusal.code == "unknown_booking"
    assert book.cancel("N", datetime(2026, 3, 4)).refusal.code == "past_slot"
    # the freed slot is found again by the earliest-fit search
    again = book.book(
        Order("O", "CT_HEAD", not_before=datetime(2026, 3, 3, 10), allowed_sites=frozenset({"S2"})),
        now,
    )
    assert again.booking.slot_ids == (target,)


def test_indicators():
    book = make(days=7)
    now = MON - timedelta(days=3)
    for i in range(40):
        book.book(Order(f"G{i}", "CT_HEAD"), now)
    book.book(Order("E", "CT_HEAD", Priority.EMERGENCY, not_before=MON + timedelta(hours=2)), now)
    book.book(Order("K", "CT_HEAD", purpose=Purpose.PAEDIATRIC), now)
    ind = booking_indicators(book, MON, MON + timedelta(days=7), now)
    assert ind.emergency_used == 1 and ind.emergency_released_used == 0
    assert ind.emergency_offered == 2 * (5 * 2 * 2 + 4) + (5 * 2 * 1 + 2)  # CT, MRI; Sat PDSES
    assert ind.specialised_offered == {"paediatric": 8} and ind.specialised_used == {
        "paediatric": 1
    }
    assert ind.utilisation["MR1"] == 0.0 and 0 < ind.utilisation["CT1"] < 1
    assert ind.third_next_available_days["MRI"] == round(
        (MON.replace(hour=9) - now) / timedelta(days=1), 3
    )


def test_windows_from_plan_only_assigned_vacations():
    d = Device("CT1", "CT", "S1", weekly_sessions(range(6)))
    inp = PlanInput(
        date(2026, 3, 1),
        date(2026, 3, 15),
        (d,),
        (ShareScope.per_device(d, (Share("A", 60), Share("B", 40))),),
    )
    plan = plan_vacations(inp, PlanOptions(time_limit_s=2))
    ws = windows_from_plan(plan)
    assert len(ws) == 24 and {w.member_id for w in ws} == {"A", "B"}
    assert {w.pdses for w in ws if w.start.weekday() == 5} == {True}  # Saturday noon on
    assert {w.pdses for w in ws if w.start.weekday() < 5} == {False}
