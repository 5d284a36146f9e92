"""Each hard rule: the solver respects it where breaking it would pay, and the checker flags a
hand-built rota that breaks it."""

from datetime import date, datetime

from pimm.engine.rota.checker import GiveAway, Swap, check_change, check_rota
from pimm.engine.rota.model import (
    Assignment,
    DayActivity,
    MemberQuota,
    OnCallLine,
    Preference,
    RotaSettings,
    Unavailability,
)
from pimm.engine.rota.targets import quota_window

from .helpers import GENERAL, NEURO, people, problem, solved

ASTR = OnCallLine("astr", "Astreinte", None, "astreinte")


def holder(res, shift_id):
    return next(a.practitioner_id for a in res.assignments if a.shift_id == shift_id)


def rules(pb, rota):
    return sorted({v.rule for v in check_rota(pb, rota)})


def any_rota(pb, pid):
    return [Assignment(s.id, pid) for s in pb.shifts]


def test_coverage_every_shift_exactly_once():
    pb = problem(people(5))
    res = solved(pb)
    assert res.status == "OPTIMAL"
    assert sorted(a.shift_id for a in res.assignments) == sorted(s.id for s in pb.shifts)
    rota = list(res.assignments)
    assert rules(pb, rota[1:]) == ["coverage"]
    assert (
        rules(
            pb,
            [
                *rota,
                Assignment(rota[0].shift_id, "p4" if rota[0].practitioner_id != "p4" else "p3"),
            ],
        )
        != []
    )


def test_competence():
    gen = people(6)
    neuro = people(2, competences=("general", "neuro"), prefix="n")
    pb = problem(gen + neuro, lines=(GENERAL, NEURO), end=date(2027, 3, 7))
    res = solved(pb)
    assert res.feasible
    neuro_ids = {p.id for p in neuro}
    assert all(
        a.practitioner_id in neuro_ids for a in res.assignments if a.shift_id.startswith("neuro")
    )
    bad = [
        Assignment(a.shift_id, "p0") if a.shift_id.startswith("neuro") else a
        for a in res.assignments
    ]
    assert "competence" in rules(pb, bad)


def test_leave_respected_even_against_a_wish():
    leave = Unavailability("p0", date(2027, 3, 3), date(2027, 3, 9))
    wish = Preference("p0", 10, date=date(2027, 3, 5))
    pb = problem(people(5), unavailabilities=(leave,), preferences=(wish,))
    res = solved(pb)
    assert res.feasible
    on_leave = {s.id for s in pb.shifts if leave.start <= s.date <= leave.end}
    assert not any(a.practitioner_id == "p0" and a.shift_id in on_leave for a in res.assignments)
    assert "leave" in rules(pb, any_rota(pb, "p0"))


def test_no_two_lines_at_once():
    # Two lines, and p0 wishes duty every day: it still holds one line at a time.
    lines = (ASTR, OnCallLine("astr2", "Astreinte 2", None, "astreinte"))
    wishes = tuple(Preference("p0", 5, date=date(2027, 3, d)) for d in range(1, 8))
    pb = problem(people(6), lines=lines, end=date(2027, 3, 7), preferences=wishes)
    res = solved(pb)
    assert res.feasible
    by_start = {}
    for a in res.assignments:
        s = next(s for s in pb.shifts if s.id == a.shift_id)
        assert (a.practitioner_id, s.start) not in by_start
        by_start[a.practitioner_id, s.start] = s.id
    night = [s for s in pb.shifts if s.date == date(2027, 3, 1)]
    bad = [Assignment(s.id, "p0") for s in night] + [
        a for a in res.assignments if a.shift_id not in {s.id for s in night}
    ]
    assert "overlap" in rules(pb, bad)


def test_rest_after_a_garde_night():
    # Saturday 06/03/2027: p1 holds the night garde and wishes the Sunday day: rest forbids it.
    pb0 = problem(people(4), start=date(2027, 3, 6), end=date(2027, 3, 7))
    sat_night = "gen:2027-03-06:weekend_night"
    sun_day = "gen:2027-03-07:weekend_day"
    pb = problem(
        people(4),
        start=date(2027, 3, 6),
        end=date(2027, 3, 7),
        locked=(Assignment(sat_night, "p1"),),
        preferences=(Preference("p1", 50, shift_id=sun_day),),
    )
    res = solved(pb)
    assert res.feasible
    assert holder(res, sun_day) != "p1"
    bad = [
        Assignment("gen:2027-03-06:weekend_day", "p0"),
        Assignment(sat_night, "p1"),
        Assignment(sun_day, "p1"),
        Assignment("gen:2027-03-07:weekend_night", "p2"),
    ]
    assert rules(pb0, bad) == ["rest"]
    # an astreinte night does not give rest by default, a garde does
    assert (
        rules(
            problem(people(4), lines=(ASTR,), start=date(2027, 3, 6), end=date(2027, 3, 7)),
            [Assignment(a.shift_id.replace("gen", "astr"), a.practitioner_id) for a in bad],
        )
        == []
    )


def test_day_activity_after_a_night():
    # p0 has a day activity on Tuesday: no Monday night garde for p0 (repos de sécurité).
    act = DayActivity("p0", datetime(2027, 3, 2, 8, 30), datetime(2027, 3, 2, 18, 0))
    monday = "gen:2027-03-01:weeknight"
    pb = problem(
        people(3),
        end=date(2027, 3, 3),
        day_activities=(act,),
        preferences=(Preference("p0", 50, shift_id=monday),),
    )
    res = solved(pb)
    assert res.feasible and holder(res, monday) != "p0"
    bad = [Assignment(s.id, f"p{i}") for i, s in enumerate(pb.shifts)]
    assert rules(pb, bad) == ["rest"]


def test_max_consecutive_duties():
    settings = RotaSettings(max_consecutive_duties=2)
    wishes = tuple(Preference("p0", 5, date=date(2027, 3, d)) for d in range(1, 6))
    pb = problem(
        people(4), lines=(ASTR,), end=date(2027, 3, 5), settings=settings, preferences=wishes
    )
    res = solved(pb)
    assert res.feasible
    days = sorted(int(a.shift_id[-13:-11]) for a in res.assignments if a.practitioner_id == "p0")
    assert days and all(days[i + 2] - days[i] > 2 for i in range(len(days) - 2))
    assert rules(pb, any_rota(pb, "p0")) == ["consecutive"]


def test_max_nights_per_month():
    settings = RotaSettings(max_nights_per_month=2, max_consecutive_duties=7)
    wishes = tuple(Preference("p0", 5, date=date(2027, 3, d)) for d in range(1, 6))
    pb = problem(
        people(4), lines=(ASTR,), end=date(2027, 3, 5), settings=settings, preferences=wishes
    )
    res = solved(pb)
    assert res.feasible
    assert sum(a.practitioner_id == "p0" for a in res.assignments) == 2
    assert rules(pb, any_rota(pb, "p0")) == ["nights"]


def test_member_quota():
    a = people(3, member="A", prefix="a")
    b = people(3, member="B", prefix="b")
    quotas = (MemberQuota("A", 70.0, 5.0), MemberQuota("B", 30.0, 5.0))
    pb = problem(
        a + b,
        lines=(ASTR,),
        quotas=quotas,
        settings=RotaSettings(max_consecutive_duties=7, max_nights_per_month=31),
    )
    res = solved(pb)
    assert res.feasible
    pts = {ld.practitioner_id: ld.points for ld in res.loads}
    share_a = sum(v for k, v in pts.items() if k.startswith("a")) / sum(pts.values())
    assert 0.65 - 1e-9 <= share_a <= 0.75 + 1e-9
    assert "quota" in rules(pb, any_rota(pb, "b0"))


def test_locked_cells_are_kept():
    locks = (
        Assignment("gen:2027-03-01:weeknight", "p3"),
        Assignment("gen:2027-03-06:weekend_day", "p3"),
    )
    pb = problem(people(5), locked=locks)
    res = solved(pb)
    assert res.feasible
    assert set(locks) <= set(res.assignments)
    moved = [Assignment(a.shift_id, "p0") if a in locks else a for a in res.assignments]
    assert "locked" in rules(pb, moved)


def test_swap_and_give_away_checks():
    pb = problem(people(4), start=date(2027, 3, 6), end=date(2027, 3, 7))
    rota = [
        Assignment("gen:2027-03-06:weekend_day", "p0"),
        Assignment("gen:2027-03-06:weekend_night", "p1"),
        Assignment("gen:2027-03-07:weekend_day", "p2"),
        Assignment("gen:2027-03-07:weekend_night", "p3"),
    ]
    assert check_rota(pb, rota) == []
    ok = check_change(pb, rota, Swap("gen:2027-03-06:weekend_day", "gen:2027-03-07:weekend_night"))
    assert ok == []
    # p1 (Saturday night) would take Sunday's day: rest broken
    bad = check_change(pb, rota, GiveAway("gen:2027-03-07:weekend_day", "p1"))
    assert len(bad) == 1 and "Repos de sécurité" in bad[0] and "Dr P1" in bad[0]
    leave = problem(
        people(4),
        start=date(2027, 3, 6),
        end=date(2027, 3, 7),
        unavailabilities=(Unavailability("p3", date(2027, 3, 6), date(2027, 3, 6)),),
    )
    msgs = check_change(
        leave, rota, Swap("gen:2027-03-06:weekend_day", "gen:2027-03-07:weekend_night")
    )
    assert any("congés" in m and "Dr P3" in m for m in msgs)


def test_quota_window_agrees_with_the_checker_at_its_edges():
    """The model's integer window never admits a share the checker refuses (38.89 % − 10 %
    of 450 tenths is 130.005: truncating it let 130 tenths, 28.888 %, through)."""
    for share, tol in ((38.89, 10.0), (33.33, 5.0), (27.59, 5.0), (10.73, 5.0), (50.0, 0.0)):
        for total in (450, 451, 999, 1793, 17930):
            lo, hi = quota_window(share, tol, total)

            def accepted(m, share=share, tol=tol, total=total):  # the checker's test
                return abs(100.0 * m / total - share) <= tol + 1e-9

            inside = [m for m in range(total + 1) if lo <= m <= hi]
            assert all(accepted(m) for m in inside)
            # nothing the checker accepts is left out (an empty window: nothing to accept)
            assert [m for m in range(total + 1) if accepted(m)] == inside
    assert quota_window(38.89, 10.0, 450)[0] == 131
