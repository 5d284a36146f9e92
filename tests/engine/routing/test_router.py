import datetime as dt

import pytest

from pimm.engine.routing import (
    Availability,
    AvailabilityKind,
    DecisionKind,
    Exam,
    Priority,
    Reader,
    RotaEntry,
    RoundRobinPolicy,
    Router,
    RoutingConfig,
    RoutingState,
    ServiceLevels,
    check_run,
)

T0 = dt.datetime(2027, 1, 4, 9, 0)
DUTY = Availability(AvailabilityKind.DUTY)
PRESENT = Availability(AvailabilityKind.PRESENT, "S1")


def reader(rid, member="M1", comps=("general",), sites=("S1",), cap=6.0):
    return Reader(rid, member, frozenset(comps), frozenset(sites), cap)


def exam(
    eid,
    prio=Priority.EMERGENCY,
    comp="general",
    site="S1",
    member="M1",
    patient=None,
    at=T0,
    units=1.0,
    critical=False,
):
    return Exam(
        id=eid,
        patient_key=patient or f"pk-{eid}",
        site=site,
        member=member,
        modality="CT",
        competence=comp,
        priority=prio,
        ready_at=at,
        deadline=ServiceLevels().deadline(prio, at),
        work_units=units,
        critical=critical,
    )


def setup(readers, avail, config=None, policy=None):
    state = RoutingState(readers, config or RoutingConfig())
    policy = policy or Router()
    for rid, av in avail.items():
        policy.set_availability(rid, av, T0 - dt.timedelta(hours=1), state)
    return state, policy


def rota_for(avail):
    return [
        RotaEntry(rid, T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=10), av.kind, av.site)
        for rid, av in avail.items()
    ]


def assert_checker_clean(state, readers, avail, exams, config=None):
    assert check_run(exams, readers, rota_for(avail), state.journal, config) == []


def test_competence_is_required():
    readers = [reader("A", comps=("general",)), reader("B", comps=("general", "msk"))]
    avail = {"A": DUTY, "B": DUTY}
    state, router = setup(readers, avail)
    e = exam("E1", prio=Priority.OUTPATIENT, comp="msk")
    router.set_availability("A", PRESENT, T0, state)
    router.set_availability("B", PRESENT, T0, state)
    d = router.route(e, T0, state)
    assert (d.kind, d.reader_id) == (DecisionKind.ASSIGN, "B")
    assert_checker_clean(state, readers, {"A": PRESENT, "B": PRESENT}, [e])


def test_privilege_on_site_is_required():
    readers = [reader("A", sites=("S2",)), reader("B", sites=("S1", "S2"))]
    avail = {"A": DUTY, "B": DUTY}
    state, router = setup(readers, avail)
    state.assigned_units["B"] = 100.0  # B is the less attractive one on every tie-break
    d = router.route(exam("E1"), T0, state)
    assert d.reader_id == "B"


def test_off_duty_reader_is_never_chosen():
    readers = [reader("A"), reader("B")]
    state, router = setup(readers, {"B": DUTY})
    d = router.route(exam("E1"), T0, state)
    assert d.reader_id == "B"


def test_cap_respected_but_ignored_by_critical_exams():
    readers = [reader("A", cap=2.0)]
    state, router = setup(readers, {"A": DUTY})
    assert router.route(exam("E1", units=1.5), T0, state).reader_id == "A"
    held = router.route(exam("E2", units=1.0), T0, state)
    assert (held.kind, held.rule) == (DecisionKind.HOLD, "caps_reached")
    crit = router.route(exam("E3", prio=Priority.LIFE_THREATENING, critical=True), T0, state)
    assert (crit.kind, crit.reader_id) == (DecisionKind.ASSIGN, "A")
    assert state.load["A"] == 2.5
    # the held exam is pulled once capacity frees, never lost
    router.on_open("E3", "A", T0, state)
    router.on_sign("E3", "A", T0 + dt.timedelta(minutes=5), state)
    router.on_open("E1", "A", T0 + dt.timedelta(minutes=5), state)
    pulled = router.on_sign("E1", "A", T0 + dt.timedelta(minutes=15), state)
    assert [(p.exam_id, p.reader_id) for p in pulled] == [("E2", "A")]


def test_checker_flags_a_cap_overrun():
    readers = [reader("A", cap=1.0)]
    state, router = setup(readers, {"A": DUTY})
    router.route(exam("E1"), T0, state)
    e2 = exam("E2")
    state.exams[e2.id] = e2
    state.assign(e2, "A", T0)  # forced by hand, bypassing the router
    from pimm.engine.routing import Decision

    state.record(Decision("E2", DecisionKind.ASSIGN, T0, "A", "forcé", "manual", None, 999))
    rules = [
        v.rule for v in check_run([exam("E1"), e2], readers, rota_for({"A": DUTY}), state.journal)
    ]
    assert rules == ["cap"]


def test_own_member_radiologists_first_then_pool():
    readers = [reader("A", member="POOL"), reader("G", member="GROUP")]
    config = RoutingConfig(own_first_members=frozenset({"GROUP"}))
    avail = {"A": PRESENT, "G": PRESENT}
    state, router = setup(readers, avail, config)
    state.assigned_units["A"] = 0.0
    state.assigned_units["G"] = 50.0  # G is busier overall: without the rule A would win
    d = router.route(exam("E1", prio=Priority.OUTPATIENT, member="GROUP"), T0, state)
    assert (d.reader_id, d.rule) == ("G", "own_member_present")
    # once G is at the cap, the pool reads the group's exams
    state.load["G"] = 6.0
    d2 = router.route(exam("E2", prio=Priority.OUTPATIENT, member="GROUP"), T0, state)
    assert (d2.reader_id, d2.rule) == ("A", "pool_present")


def test_same_patient_goes_to_the_same_reader_even_over_cap():
    readers = [reader("A", cap=1.0), reader("B", cap=1.0)]
    avail = {"A": DUTY, "B": DUTY}
    state, router = setup(readers, avail)
    e1 = exam("E1", patient="pk-x")
    e2 = exam("E2", patient="pk-x", at=T0 + dt.timedelta(minutes=2))
    first = router.route(e1, T0, state)
    second = router.route(e2, e2.ready_at, state)
    assert second.reader_id == first.reader_id
    assert second.rule == "patient_grouping"
    assert_checker_clean(state, readers, avail, [e1, e2])


def test_checker_flags_split_patient():
    readers = [reader("A"), reader("B")]
    avail = {"A": DUTY, "B": DUTY}
    state, policy = setup(readers, avail)
    e1 = exam("E1", patient="pk-x")
    e2 = exam("E2", patient="pk-x")
    policy.route(e1, T0, state)
    other = "B" if state.holder["E1"] == "A" else "A"
    from pimm.engine.routing import Decision

    state.exams["E2"] = e2
    state.assign(e2, other, T0)
    state.record(Decision("E2", DecisionKind.ASSIGN, T0, other, "forcé", "manual", None, 999))
    assert [v.rule for v in check_run([e1, e2], readers, rota_for(avail), state.journal)] == [
        "patient_grouping"
    ]


def test_no_competent_reader_escalates_with_reason_and_is_never_lost():
    readers = [reader("A", comps=("general",)), reader("N", comps=("neuro",))]
    state, router = setup(readers, {"A": DUTY})
    e = exam("E1", prio=Priority.OUTPATIENT, comp="neuro")
    d = router.route(e, T0, state)
    assert (d.kind, d.reader_id, d.rule) == (DecisionKind.HOLD, None, "no_competent_reader")
    emerg = exam("E2", comp="interventional")
    d2 = router.route(emerg, T0, state)
    assert d2.kind == DecisionKind.ESCALATE and "Aucun radiologue compétent" in d2.reason
    assert state.pending == {"E1", "E2"}
    assert "E2" in state.escalated
    # the neuroradiologist arrives: the waiting exam is assigned to them
    pulled = router.set_availability("N", PRESENT, T0 + dt.timedelta(hours=1), state)
    assert [(p.exam_id, p.reader_id) for p in pulled] == [("E1", "N")]
    assert state.pending == {"E2"}


def test_emergency_falls_back_to_general_only_without_specialist():
    readers = [reader("G", comps=("general",)), reader("N", comps=("general", "neuro"))]
    state, router = setup(readers, {"G": DUTY})
    d = router.route(exam("E1", comp="neuro"), T0, state)
    assert (d.reader_id, d.rule) == ("G", "duty_fallback")
    router.set_availability("N", DUTY, T0, state)
    d2 = router.route(exam("E2", comp="neuro"), T0, state)
    assert d2.reader_id == "N"


def _busy(router, state, rid, eid, at, units=0.5):
    """Give reader ``rid`` an opened exam so that they are not idle."""
    state.set_availability(rid, DUTY)  # state only: no pull, no idle rebalancing
    router.route(exam(eid, units=units, site="S1"), at, state)
    assert state.holder[eid] == rid
    router.on_open(eid, rid, at, state)


def test_reader_going_off_duty_has_queue_rerouted():
    readers = [reader("A"), reader("B", sites=("S1", "S9"))]
    state, router = setup(readers, {"A": DUTY})
    router.route(exam("E1"), T0, state)
    router.route(exam("E2"), T0, state)
    router.on_open("E1", "A", T0, state)
    # B arrives busy with its own exam (so B does not take E2 as an idle reader)
    state.available.pop("A")
    _busy(router, state, "B", "E9", T0 + dt.timedelta(minutes=1))
    state.available["A"] = DUTY
    moved = router.set_availability("A", None, T0 + dt.timedelta(minutes=2), state)
    assert [(m.exam_id, m.kind, m.reader_id, m.previous_reader_id) for m in moved] == [
        ("E2", DecisionKind.REROUTE, "B", "A")
    ]
    assert state.holder["E1"] == "A"  # the opened exam stays with its reader


def test_idle_reader_takes_an_emergency_waiting_in_another_queue():
    readers = [reader("A"), reader("B")]
    state, router = setup(readers, {"A": DUTY})
    router.route(exam("E0", units=3.0), T0, state)
    router.on_open("E0", "A", T0, state)
    router.route(exam("E1"), T0, state)
    out = router.set_availability("B", DUTY, T0 + dt.timedelta(minutes=1), state)
    assert [(d.exam_id, d.rule, d.reader_id) for d in out] == [("E1", "idle_rebalance", "B")]


def test_reroute_when_not_opened_within_delay():
    readers = [reader("A"), reader("B")]
    state, router = setup(readers, {"A": DUTY})
    router.route(exam("E0", units=5.0), T0, state)
    router.on_open("E0", "A", T0, state)
    router.route(exam("E1"), T0, state)
    state.available.pop("A")
    _busy(router, state, "B", "E9", T0 + dt.timedelta(minutes=1))
    state.available["A"] = DUTY
    assert state.holder["E1"] == "A"
    assert router.tick(T0 + dt.timedelta(minutes=9), state) == []  # before the delay
    out = router.tick(T0 + dt.timedelta(minutes=10), state)
    assert [(d.exam_id, d.rule, d.reader_id) for d in out] == [("E1", "open_delay_reroute", "B")]


def test_deadline_at_risk_escalates_when_nobody_can_make_it():
    readers = [reader("A")]
    state, router = setup(readers, {"A": DUTY})
    router.route(exam("E0", units=5.0), T0, state)
    router.on_open("E0", "A", T0, state)
    e = exam("E1", prio=Priority.LIFE_THREATENING)
    router.route(e, T0, state)
    t_risk = T0 + dt.timedelta(minutes=18)  # 60 % of 30 min
    out = router.tick(t_risk, state)
    assert [(d.kind, d.rule, d.reader_id) for d in out] == [
        (DecisionKind.ESCALATE, "deadline_risk", "A")
    ]
    assert "Échéance menacée" in out[0].reason


def test_round_robin_cycles_and_routing_is_deterministic():
    readers = [reader("A"), reader("B"), reader("C")]
    avail = {"A": DUTY, "B": DUTY, "C": DUTY}
    runs = []
    for _ in range(2):
        state, rr = setup(readers, avail, policy=RoundRobinPolicy())
        runs.append([rr.route(exam(f"E{i}"), T0, state).reader_id for i in range(4)])
    assert runs[0] == ["A", "B", "C", "A"]
    assert runs[0] == runs[1]


def test_duty_reader_keeps_free_of_scheduled_work_when_someone_is_present():
    readers = [reader("D"), reader("P")]
    state, router = setup(readers, {"D": DUTY, "P": PRESENT})
    state.load["P"] = 3.0
    d = router.route(exam("E1", prio=Priority.INPATIENT), T0, state)
    assert d.reader_id == "P"


def test_grouping_yields_for_an_emergency_when_the_holder_is_reading():
    readers = [reader("A"), reader("B")]
    avail = {"A": DUTY, "B": DUTY}
    state, router = setup(readers, avail)
    e1 = exam("E1", patient="pk-x")
    e2 = exam("E2", patient="pk-x", at=T0 + dt.timedelta(minutes=2))
    first = router.route(e1, T0, state)
    router.on_open("E1", first.reader_id, T0, state)
    second = router.route(e2, e2.ready_at, state)
    assert second.reader_id != first.reader_id
    assert second.rule.startswith("grouping_yield")
    assert_checker_clean(state, readers, avail, [e1, e2])
    # the checker still flags a split when the holder is not reading
    no_yield = RoutingConfig(grouping_yields=False)
    assert [
        v.rule for v in check_run([e1, e2], readers, rota_for(avail), state.journal, no_yield)
    ] == ["patient_grouping"]


def test_grouping_holds_for_routine_work_even_when_the_holder_is_reading():
    readers = [reader("A"), reader("B")]
    avail = {"A": PRESENT, "B": PRESENT}
    state, router = setup(readers, avail)
    e1 = exam("E1", prio=Priority.INPATIENT, patient="pk-x")
    e2 = exam("E2", prio=Priority.INPATIENT, patient="pk-x", at=T0 + dt.timedelta(minutes=2))
    first = router.route(e1, T0, state)
    router.on_open("E1", first.reader_id, T0, state)
    second = router.route(e2, e2.ready_at, state)
    assert (second.reader_id, second.rule) == (first.reader_id, "patient_grouping")


def test_a_reading_that_overran_its_estimate_still_counts_as_busy():
    readers = [reader("A")]
    state, router = setup(readers, {"A": DUTY})
    router.route(exam("E0", units=1.0), T0, state)  # estimated 10 min
    router.on_open("E0", "A", T0, state)
    late = T0 + dt.timedelta(minutes=30)
    e1 = exam("E1", units=1.0, at=late)
    # 30 min into a 10 min estimate: still expected busy for a quarter of the estimate
    assert state.estimate_finish("A", e1, late) == late + dt.timedelta(minutes=2.5 + 10)
    zero = RoutingConfig(overrun_floor=0.0)
    state0, router0 = setup(readers, {"A": DUTY}, zero)
    router0.route(exam("E0", units=1.0), T0, state0)
    router0.on_open("E0", "A", T0, state0)
    assert state0.estimate_finish("A", e1, late) == late + dt.timedelta(minutes=10)


@pytest.mark.parametrize("cap", [6.0, 1.0])
def test_reader_freed_with_only_routine_work_takes_a_waiting_emergency_first(cap):
    readers = [reader("B"), reader("C", cap=cap)]
    avail = {"B": PRESENT, "C": PRESENT}
    state, router = setup(readers, avail)
    made = []
    for eid, rid, units in (("R1", "B", 1.0), ("R3", "C", 2.0)):
        made.append(exam(eid, prio=Priority.OUTPATIENT, units=units, patient=rid))
        router.route(made[-1], T0, state)
        assert state.holder[eid] == rid
        router.on_open(eid, rid, T0, state)
    made.append(exam("R4", prio=Priority.OUTPATIENT, patient="C"))
    router.route(made[-1], T0, state)  # grouped with R3
    assert state.holder["R4"] == "C"
    e1 = exam("E1", at=T0 + dt.timedelta(minutes=1))
    made.append(e1)
    router.route(e1, e1.ready_at, state)
    assert state.holder["E1"] == "B"  # B's reading is expected to end first
    # C signs early: only routine work left in their queue, they take E1 from busy B
    out = router.on_sign("R3", "C", T0 + dt.timedelta(minutes=3), state)
    if cap < 2.0:  # C's routine work fills their cap: the emergency stays with B
        assert out == [] and state.holder["E1"] == "B"
        return
    assert [(d.exam_id, d.rule, d.reader_id) for d in out] == [("E1", "idle_rebalance", "C")]
    assert router.next_exam("C", state) == "E1"
    assert_checker_clean(state, readers, avail, made)


def test_a_lone_idle_duty_reader_keeps_inpatient_work_until_its_deadline_nears():
    readers = [reader("D"), reader("E")]
    state, router = setup(readers, {"D": DUTY})
    far = exam("I1", prio=Priority.INPATIENT)  # 24 h target
    d = router.route(far, T0, state)
    assert (d.kind, d.reader_id) == (DecisionKind.HOLD, None)
    # a second idle duty reader arrives: one of them may take it, the other stays free
    out = router.set_availability("E", DUTY, T0 + dt.timedelta(minutes=5), state)
    assert [x.exam_id for x in out] == ["I1"]
    state2, router2 = setup(readers, {"D": DUTY})
    router2.route(exam("I2", prio=Priority.INPATIENT), T0, state2)
    # the deadline-risk timer (60 % of 24 h) places it with the lone duty reader
    out = router2.tick(T0 + dt.timedelta(hours=15), state2)
    assert [(x.exam_id, x.kind, x.reader_id) for x in out] == [("I2", DecisionKind.ASSIGN, "D")]
    assert "I2" not in state2.escalated


def test_emergencies_waiting_for_one_reader_are_read_shortest_first():
    readers = [reader("A")]
    state, router = setup(readers, {"A": PRESENT})
    router.route(exam("E0"), T0, state)
    router.on_open("E0", "A", T0, state)
    later = T0 + dt.timedelta(minutes=1)
    # the long one arrived first and is due first; the short one still goes before it
    long_ = exam("L", units=2.0)
    short = exam("S", units=0.8, at=later)
    vital = exam("V", prio=Priority.LIFE_THREATENING, units=1.5, at=later)
    routine = exam("R", prio=Priority.INPATIENT, units=0.5, patient="pk-R")
    crit = exam("C", prio=Priority.LIFE_THREATENING, units=3.0, critical=True, at=later)
    for e in (long_, short, routine, vital, crit):
        router.route(e, later, state)
    assert {state.holder[e] for e in ("L", "S", "R", "C", "V")} == {"A"}
    router.on_sign("E0", "A", later, state)
    order = []
    while (nxt := router.next_exam("A", state)) is not None:
        order.append(nxt)
        router.on_open(nxt, "A", later, state)
        router.on_sign(nxt, "A", later, state)
    # critical first, life-threatening before emergency, shortest first within a class, routine
    assert order == ["C", "V", "S", "L", "R"]
    assert_checker_clean(
        state, readers, {"A": PRESENT}, [exam("E0"), long_, short, routine, crit, vital]
    )


def test_emergency_tie_goes_to_the_least_versatile_reader():
    # equally early: the reader with privileges on two sites stays free for the next one
    readers = [reader("A", sites=("S1", "S2")), reader("B")]
    avail = {"A": DUTY, "B": DUTY}
    state, router = setup(readers, avail)
    first = router.route(exam("E1"), T0, state)
    assert first.reader_id == "B"
    second = router.route(exam("E2", site="S2"), T0, state)
    assert second.reader_id == "A"
    assert_checker_clean(state, readers, avail, [exam("E1"), exam("E2", site="S2")])


def test_emergency_tie_spares_the_only_free_reader_of_a_competence_emergencies_need():
    # A holds privileges on three sites, B reads neuro on S1 where neuro emergencies come
    readers = [reader("A", sites=("S1", "S2", "S3")), reader("B", comps=("general", "neuro"))]
    avail = {"A": DUTY, "B": DUTY}
    state, router = setup(readers, avail)
    fresh, fresh_router = setup(readers, avail)
    for i in range(2):
        state.note_emergency(exam(f"N{i}", comp="neuro"))
    d = router.route(exam("E1"), T0, state)
    assert d.reader_id == "A"  # B is the only free neuro reader where neuro emergencies come
    # B stands alone for neuro on S1, where two emergencies came; S2 and S3 saw none
    assert state.coverage_harm("B") == 1 / 1**3 + 2 / 1**3
    # no neuro emergency seen: the tie goes to the reader with fewer competences and sites
    assert fresh_router.route(exam("E1"), T0, fresh).reader_id == "B"
    assert_checker_clean(state, readers, avail, [exam("E1")])
    router.on_open("E1", "A", T0, state)
    router.on_sign("E1", "A", T0 + dt.timedelta(minutes=10), state)
    # A free again: two free general readers on S1 (the counts follow assign and sign)
    assert state.coverage_harm("A") == 1 / 2**3


def test_routine_work_goes_first_to_readers_the_emergencies_need_least():
    readers = [reader("A", comps=("general", "neuro")), reader("B")]
    avail = {"A": PRESENT, "B": PRESENT}
    routine = [exam(f"I{i}", prio=Priority.INPATIENT) for i in range(3)]

    def order(config):
        state, router = setup(readers, avail, config)
        for i in range(3):
            state.note_emergency(exam(f"N{i}", comp="neuro"))  # only A reads neuro on S1
        chosen = [router.route(e, T0, state).reader_id for e in routine]
        assert_checker_clean(state, readers, avail, routine, config)
        return chosen

    # A counts 2 units more: B takes routine work until its queue is 2 units longer
    assert order(RoutingConfig()) == ["B", "B", "A"]
    assert order(RoutingConfig(routine_need_units=0.0)) == ["A", "B", "A"]
