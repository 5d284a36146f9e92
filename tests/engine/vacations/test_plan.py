"""Vacation planner: hard rules (solver respects, checker flags), deviations, pools, carry-over."""

from dataclasses import replace
from datetime import date, datetime, time

from pimm.engine.vacations import (
    CarryOver,
    Closure,
    Device,
    Part,
    PlanInput,
    PlanOptions,
    Presence,
    Session,
    Share,
    ShareScope,
    Staffing,
    Status,
    VacationAssignment,
    check_plan,
    enumerate_vacations,
    french_holidays,
    plan_vacations,
    weekly_sessions,
)

JAN = (date(2026, 1, 1), date(2026, 2, 1))
FAST = PlanOptions(time_limit_s=2.0, workers=2, seed=1)
ABC = (Share("A", 50), Share("B", 30), Share("C", 20))


def device(i, site="S1", modality="MRI", **kw):
    return Device(f"D{i}", modality, site, weekly_sessions(), **kw)


def simple_input(n_devices=2, shares=ABC, **kw):
    devices = tuple(device(i) for i in range(n_devices))
    scopes = tuple(ShareScope.per_device(d, shares) for d in devices)
    return PlanInput(JAN[0], JAN[1], devices, scopes, **kw)


def assigned(plan):
    return [a for a in plan.assignments if a.status is Status.ASSIGNED]


def period_lines(plan):
    return {(ln.scope_code, ln.member_id): ln for ln in plan.deviations if ln.month is None}


def swap_first(plan, predicate, member=None):
    """A copy of the plan where the first assignment matching `predicate` is forced ASSIGNED."""
    out = list(plan.assignments)
    for i, a in enumerate(out):
        if predicate(a):
            out[i] = VacationAssignment(a.vacation, Status.ASSIGNED, member or "A")
            return replace(plan, assignments=tuple(out))
    raise AssertionError("no assignment matched")


def hard(violations):
    """Rules broken other than the (necessarily shifted) deviation and bad-hours reports."""
    return [v.rule for v in violations if v.rule not in ("deviation", "bad_hours")]


def test_calendar_closes_french_holidays_and_maintenance():
    d = device(0, closures=(Closure(datetime(2026, 1, 12), datetime(2026, 1, 13), "IRM: bobine"),))
    vs = enumerate_vacations(d, *JAN, holiday_days=french_holidays(*JAN))
    closed = {v.id: v.closed_reason for v in vs if v.closed_reason}
    assert closed == {
        "D0|2026-01-01|morning": "jour férié (Jour de l'an)",
        "D0|2026-01-01|afternoon": "jour férié (Jour de l'an)",
        "D0|2026-01-12|morning": "maintenance : IRM: bobine",
        "D0|2026-01-12|afternoon": "maintenance : IRM: bobine",
    }
    assert len(vs) == 2 * 22  # 22 weekdays in January 2026
    opened = replace(d, open_on_holidays=True, closures=())
    assert not any(v.closed_reason for v in enumerate_vacations(opened, *JAN))


def test_night_session_crosses_midnight_and_is_bad_hours():
    d = Device("N", "CT", "S", (Session(5, Part.NIGHT, time(20), time(8)),))
    (v, *_rest) = enumerate_vacations(d, *JAN)
    assert v.start == datetime(2026, 1, 3, 20) and v.end == datetime(2026, 1, 4, 8)
    assert v.minutes == 720 and v.bad is True


def test_small_case_deviation_within_one_vacation_and_checker_clean():
    inp = simple_input()
    plan = plan_vacations(inp, FAST)
    assert plan.feasible, plan.problems
    assert plan.max_abs_deviation_vacations <= 1.0
    assert check_plan(inp, plan) == []
    assert {a.status for a in plan.assignments} == {Status.ASSIGNED, Status.CLOSED}
    lines = period_lines(plan)
    assert abs(lines[("D0", "A")].assigned_hours - 0.5 * lines[("D0", "A")].total_hours) <= 5
    months = [ln for ln in plan.deviations if ln.month == "2026-01"]
    assert len(months) == 6


def test_closed_vacations_never_assigned_and_checker_flags_one():
    inp = simple_input()
    plan = plan_vacations(inp, FAST)
    closed = [a for a in plan.assignments if a.status is Status.CLOSED]
    assert len(closed) == 4  # New Year's Day, two devices, two half-days
    bad = swap_first(plan, lambda a: a.status is Status.CLOSED)
    assert hard(check_plan(inp, bad)) == ["closed"]


def test_staffing_limits_devices_per_half_day():
    staffing = tuple(Staffing("S1", p, 1, weekday=w) for w in range(5) for p in Part)
    inp = simple_input(staffing=staffing)
    plan = plan_vacations(inp, FAST)
    assert plan.feasible
    per_half_day = {}
    for a in assigned(plan):
        key = (a.vacation.day, a.vacation.part)
        per_half_day[key] = per_half_day.get(key, 0) + 1
    assert max(per_half_day.values()) == 1
    unstaffed = [a for a in plan.assignments if a.status is Status.UNSTAFFED]
    assert len(unstaffed) == 42 and "MERM" in unstaffed[0].reason
    assert check_plan(inp, plan) == []
    bad = swap_first(plan, lambda a: a.status is Status.UNSTAFFED)
    assert hard(check_plan(inp, bad)) == ["staffing"]


def test_presence_required_only_present_members():
    # D0 needs presence; B is present on Mondays only, C never, A always.
    d0 = device(0, requires_presence=True)
    presence = (
        *(Presence("A", "S1", p, weekday=w) for w in range(5) for p in Part),
        *(Presence("B", "S1", p, weekday=0) for p in Part),
    )
    shares = (Share("A", 80), Share("B", 20))
    inp = PlanInput(*JAN, (d0,), (ShareScope.per_device(d0, shares),), presence=presence)
    plan = plan_vacations(inp, FAST)
    assert plan.feasible, plan.problems
    b_days = {a.vacation.day.weekday() for a in assigned(plan) if a.member_id == "B"}
    assert b_days == {0}
    assert check_plan(inp, plan) == []
    bad = swap_first(
        plan, lambda a: a.status is Status.ASSIGNED and a.vacation.day.weekday() == 2, member="B"
    )
    assert hard(check_plan(inp, bad)) == ["presence"]


def test_checker_flags_member_without_share_and_wrong_deviation():
    inp = simple_input()
    plan = plan_vacations(inp, FAST)
    bad = swap_first(plan, lambda a: a.status is Status.ASSIGNED, member="Z")
    rules = [v.rule for v in check_plan(inp, bad)]
    assert rules[0] == "share" and "deviation" in rules
    lines = tuple(
        replace(ln, deviation_hours=ln.deviation_hours + 3) if ln.month is None else ln
        for ln in plan.deviations
    )
    assert {v.rule for v in check_plan(inp, replace(plan, deviations=lines))} == {"deviation"}


def test_pooled_shares_balance_over_the_pool_not_each_device():
    # D0 needs a radiologist and only A has one on site: per device, B's 50 % of D0 is impossible;
    # pooled over D0 + D1, A takes D0 and B takes most of D1: balanced over the pool.
    d0, d1 = device(0, requires_presence=True), device(1)
    presence = tuple(Presence("A", "S1", p, weekday=w) for w in range(5) for p in Part)
    shares = (Share("A", 50), Share("B", 50))
    per_device = PlanInput(
        *JAN, (d0, d1), tuple(ShareScope.per_device(d, shares) for d in (d0, d1)), presence=presence
    )
    refused = plan_vacations(per_device, FAST)
    assert not refused.feasible and refused.assignments == ()
    errors = {(p.rule, p.member_id): p for p in refused.errors}
    assert set(errors) == {("too_many_hours", "A"), ("too_few_hours", "B")}
    msg = errors[("too_few_hours", "B")].message
    assert "D0" in msg and "2026-01" in msg and "50 %" in msg
    pooled = replace(per_device, scopes=(ShareScope.pooled("MRI", (d0, d1), shares),))
    plan = plan_vacations(pooled, FAST)
    assert plan.feasible and plan.max_abs_deviation_vacations <= 1.0
    assert {a.member_id for a in assigned(plan) if a.vacation.device_id == "D0"} == {"A"}
    assert check_plan(pooled, plan) == []


def test_carry_over_is_paid_back_in_the_next_period():
    inp = simple_input(n_devices=1)
    fresh = plan_vacations(inp, FAST)
    # A received 3 vacations (15 h) too many last quarter.
    carried = replace(inp, carry_over=(CarryOver("D0", "A", 15.0), CarryOver("D0", "B", -15.0)))
    plan = plan_vacations(carried, FAST)
    assert plan.feasible
    before = period_lines(fresh)[("D0", "A")]
    after = period_lines(plan)[("D0", "A")]
    assert after.assigned_hours <= before.assigned_hours - 10
    assert abs(after.deviation_hours) <= 5  # cumulative deviation back within one vacation
    assert abs(after.deviation_hours) < 15
    assert {c.member_id: c.hours for c in plan.carry_over}["A"] == after.deviation_hours
    assert check_plan(carried, plan) == []


def test_bad_hours_spread_fairly():
    sessions = weekly_sessions(range(6), (Part.MORNING, Part.AFTERNOON, Part.EVENING))
    d = Device("D0", "CT", "S1", sessions)
    shares = (Share("A", 50), Share("B", 50))
    inp = PlanInput(*JAN, (d,), (ShareScope.per_device(d, shares),))
    plan = plan_vacations(inp, FAST)
    lines = period_lines(plan)
    for m in "AB":
        assert abs(lines[("D0", m)].bad_hours - lines[("D0", m)].bad_target_hours) <= 5


def test_shares_not_summing_to_100_explained():
    inp = simple_input(shares=(Share("A", 60), Share("B", 30)))
    plan = plan_vacations(inp, FAST)
    assert not plan.feasible and plan.assignments == () and plan.solver_status == "INVALID_INPUT"
    assert plan.errors[0].rule == "shares_sum"
    assert "90 %" in plan.errors[0].message and "D0" in plan.errors[0].message


def test_no_staff_explained_with_device_and_month():
    staffing = tuple(Staffing("S1", p, 0, weekday=w) for w in range(5) for p in Part)
    plan = plan_vacations(simple_input(staffing=staffing), FAST)
    assert not plan.feasible and plan.assignments == ()
    msg = plan.errors[0].message
    assert plan.errors[0].rule == "staffing" and "D0" in msg and "2026-01" in msg and "MERM" in msg


def test_tolerance_refuses_plan_beyond_max_deviation():
    # Too few vacations to honour 50/30/20 within 0.1 vacation: refused, reasons name the member.
    d = Device("D0", "CT", "S1", weekly_sessions((0,), (Part.MORNING,)))
    inp = PlanInput(*JAN, (d,), (ShareScope.per_device(d, ABC),))
    plan = plan_vacations(inp, replace(FAST, max_deviation_vacations=0.1))
    assert not plan.feasible and plan.assignments == ()
    assert plan.errors and all(p.rule == "deviation" for p in plan.errors)
    assert "tolérance" in plan.errors[0].message
    assert plan_vacations(inp, FAST).feasible
