"""Pool bounds on the spread, water-filling targets, the polishing local search and the
lexicographic stages, checked against brute force on instances small enough to enumerate."""

import itertools
from dataclasses import replace
from datetime import date

import pytest

from pimm.engine.rota import targets
from pimm.engine.rota.checker import check_rota
from pimm.engine.rota.greedy import greedy_rota, polish
from pimm.engine.rota.model import (
    WEEKEND_NIGHT,
    WEEKNIGHT,
    Assignment,
    OnCallLine,
    Practitioner,
    Preference,
    RotaSettings,
)
from pimm.engine.rota.solver import build

from .helpers import people, problem, solved

LOOSE = RotaSettings(max_consecutive_duties=7, max_nights_per_month=31, fairness_tolerance=0.0)
GEN = OnCallLine("g", "Générale", None, "astreinte")
IR = OnCallLine(
    "i", "Interventionnelle", "interventional", "astreinte", categories=(WEEKNIGHT, WEEKEND_NIGHT)
)


def _norms(pb, rota):
    """Normalised loads as the solver measures them: floor(100 * tenths / working time %)."""
    pts = {c: round(v * 10) for c, v in pb.settings.points.items()}
    cat = {s.id: s.category for s in pb.shifts}
    load = {p.id: round(pb.carried_points.get(p.id, 0.0) * 10) for p in pb.practitioners}
    for a in rota:
        load[a.practitioner_id] += pts[cat[a.shift_id]]
    return [(100 * load[p.id]) // max(1, round(p.working_time * 100)) for p in pb.practitioners]


def _feasible_rotas(pb):
    """Every rota the checker accepts (shifts go to competent practitioners only)."""
    choices = [sorted(targets.competent_ids(pb, s)) for s in pb.shifts]
    for combo in itertools.product(*choices):
        rota = [Assignment(s.id, p) for s, p in zip(pb.shifts, combo, strict=True)]
        if check_rota(pb, rota) == []:
            yield rota


def _instances():
    ir = frozenset({"general", "interventional"})
    return {
        # two interventional radiologists, one part time, carry their whole (night) line
        "pools": problem(
            people(3)
            + (
                Practitioner("r0", "A", ir, 1.0, "Dr R0"),
                Practitioner("r1", "A", ir, 0.5, "Dr R1"),
            ),
            lines=(GEN, IR),
            start=date(2027, 3, 4),
            end=date(2027, 3, 6),
            settings=LOOSE,
        ),
        # three weeknights for two: 1.5 each is out of reach, whole duties give 2 and 1
        "rounding": problem(
            people(2), lines=(GEN,), start=date(2027, 3, 3), end=date(2027, 3, 5), settings=LOOSE
        ),
        # part time and carried points
        "carried": problem(
            (
                Practitioner("a", "A", frozenset({"general"}), 1.0, "Dr A"),
                Practitioner("b", "A", frozenset({"general"}), 0.8, "Dr B"),
                Practitioner("c", "B", frozenset({"general"}), 0.5, "Dr C"),
            ),
            lines=(GEN,),
            start=date(2027, 3, 3),
            end=date(2027, 3, 8),
            settings=LOOSE,
            carried_points={"c": 1.5, "a": -1.0},
        ),
        # a neuro line staffed by a pool that is also on the general line, with real rules
        "overlap": problem(
            people(2)
            + people(2, competences=("general", "neuro"), prefix="n", wt=0.8)
            + (Practitioner("x", "B", frozenset({"general", "neuro"}), 1.0, "Dr X"),),
            lines=(GEN, OnCallLine("n", "Neuro", "neuro", "astreinte")),
            start=date(2027, 3, 6),
            end=date(2027, 3, 6),
            settings=RotaSettings(max_consecutive_duties=1, fairness_tolerance=0.0),
        ),
    }


@pytest.mark.parametrize("name", ["pools", "rounding", "carried", "overlap"])
def test_level_bounds_hold_for_every_feasible_rota(name):
    pb = _instances()[name]
    high, low = targets.level_bounds(pb)
    spreads = []
    for rota in _feasible_rotas(pb):
        norms = _norms(pb, rota)
        assert max(norms) >= high  # the bound on the largest load holds for every rota
        assert min(norms) <= low
        spreads.append(max(norms) - min(norms))
    assert spreads
    assert targets.spread_bound(pb) <= min(spreads)
    if name == "pools":
        assert targets.spread_bound(pb) > 0  # the interventional line forces a spread


def test_rounding_proves_what_the_plain_average_cannot():
    pb = _instances()["rounding"]
    pl = targets.pools(pb)
    average = (100 * sum(pl.line_points.values())) // sum(pl.wt.values())  # 15 tenths
    high, low = targets.level_bounds(pb)
    assert (high, low) == (20, 10)  # two weeknights for one, one for the other
    assert average == 15  # the bound of averages alone would be 0
    spreads = [max(_norms(pb, r)) - min(_norms(pb, r)) for r in _feasible_rotas(pb)]
    assert targets.spread_bound(pb) == min(spreads) == 10


def test_water_levels_and_line_shares():
    pb = _instances()["pools"]
    level = targets.water_levels(pb)
    # the interventional nights (1 + 1 + 2 points) go to r0 and r1, the rest to the others
    ir_points = sum(10 * pb.settings.points[s.category] for s in pb.shifts if s.line_id == "i")
    gen_points = sum(10 * pb.settings.points[s.category] for s in pb.shifts if s.line_id == "g")
    assert level["r0"] == level["r1"] == pytest.approx(100 * ir_points / 150)
    assert level["p0"] == level["p2"] == pytest.approx(100 * gen_points / 300)
    shares = targets.line_shares(pb)
    for line, pts in (("i", ir_points), ("g", gen_points)):
        assert sum(v for (lid, _), v in shares.items() if lid == line) == pytest.approx(pts)
    assert shares.get(("g", "r0"), 0.0) == pytest.approx(0.0)
    assert shares[("i", "r0")] == pytest.approx(2 * shares[("i", "r1")])


def test_polish_keeps_rules_and_lowers_the_spread():
    team = people(3) + people(2, prefix="h", wt=0.5)
    pb = problem(team, lines=(GEN,), end=date(2027, 3, 28))
    eligible = {s.id: [p.id for p in team] for s in pb.shifts}
    # a deliberately lopsided start: the plain greedy rota with p0 taking every shift it can
    start = greedy_rota(pb, eligible)
    lopsided = dict(start)
    for sid in sorted(lopsided):
        trial = dict(lopsided, **{sid: "p0"})
        if check_rota(pb, [Assignment(s, p) for s, p in trial.items()]) == []:
            lopsided = trial
    before = _norms(pb, [Assignment(s, p) for s, p in lopsided.items()])
    locked_sid = sorted(lopsided)[0]
    pb = replace(pb, locked=(Assignment(locked_sid, lopsided[locked_sid]),))
    after_rota = polish(pb, eligible, lopsided, seconds=30.0)
    rota = [Assignment(s, p) for s, p in after_rota.items()]
    assert check_rota(pb, rota) == []
    assert after_rota[locked_sid] == lopsided[locked_sid]
    after = _norms(pb, rota)
    assert max(after) - min(after) < max(before) - min(before)


def test_stages_reach_the_lexicographic_optimum_and_a_valid_bound():
    """Fairness first, then wishes: the combined objective and its bound match brute force."""
    pb = _instances()["overlap"]
    pb = replace(
        pb,
        preferences=(
            Preference("p0", 2, date=date(2027, 3, 6)),
            Preference("n0", -3, date=date(2027, 3, 7)),
            Preference("x", 1, shift_id="n:2027-03-06:weekend_night"),
        ),
    )
    bm = build(pb)
    w_fair, w_pref, _ = bm.__dict__["weights"]
    best = None
    for rota in _feasible_rotas(pb):
        norms = _norms(pb, rota)
        held = {(a.shift_id, a.practitioner_id) for a in rota}
        day = {s.id: s.date for s in pb.shifts}
        pref = 0
        for pr in pb.preferences:
            mine = [
                sid
                for sid, pid in held
                if pid == pr.practitioner_id
                and (sid == pr.shift_id or (pr.shift_id is None and day[sid] == pr.date))
            ]
            pref += pr.weight * (not mine) if pr.weight > 0 else -pr.weight * len(mine)
        value = w_fair * (max(norms) - min(norms)) + w_pref * pref
        best = value if best is None else min(best, value)
    res = solved(pb)
    assert res.status == "OPTIMAL"
    assert res.bound <= best <= res.objective
    assert res.objective == best and res.gap == 0.0


def _combined(pb, rota, w_fair, w_pref) -> int:
    """The objective of a rota of an instance with fairness tolerance 0 and no previous rota,
    counted by hand: the spread of normalised loads, then the wishes it misses or breaks."""
    norms = _norms(pb, rota)
    held = {(a.shift_id, a.practitioner_id) for a in rota}
    day = {s.id: s.date for s in pb.shifts}
    pref = 0
    for pr in pb.preferences:
        mine = [
            sid
            for sid, pid in held
            if pid == pr.practitioner_id
            and (sid == pr.shift_id or (pr.shift_id is None and day[sid] == pr.date))
        ]
        pref += pr.weight * (not mine) if pr.weight > 0 else -pr.weight * len(mine)
    return w_fair * (max(norms) - min(norms)) + w_pref * pref


def test_greedy_fallback_reports_the_objective_of_its_rota(monkeypatch):
    """When CP-SAT finds nothing in time the checked greedy rota is returned: its objective is
    that rota's (it used to be None, and the page said nothing of how good it was)."""
    from ortools.sat.python import cp_model

    class NothingInTime(cp_model.CpSolver):
        def solve(self, model, callback=None):  # the stages pass a callback, the hint does not
            return cp_model.UNKNOWN if callback is not None else super().solve(model)

    pb = replace(_instances()["overlap"], preferences=(Preference("p0", 2, date=date(2027, 3, 6)),))
    w_fair, w_pref, _ = build(pb).__dict__["weights"]
    monkeypatch.setattr(cp_model, "CpSolver", NothingInTime)
    res = solved(pb)
    assert res.status == "FEASIBLE" and len(res.assignments) == len(pb.shifts)
    assert res.objective == _combined(pb, res.assignments, w_fair, w_pref)
    assert res.bound is not None and res.bound <= res.objective
