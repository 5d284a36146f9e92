"""Independent components solved apart, and the spread lower bound from competence pools."""

import time
from dataclasses import replace
from datetime import date

from pimm.engine.rota import solver
from pimm.engine.rota.checker import check_rota
from pimm.engine.rota.model import OnCallLine, Practitioner, RotaSettings
from pimm.engine.rota.solver import _solve_one, components, spread_lower_bound

from .helpers import people, problem, solved

LOOSE = RotaSettings(max_consecutive_duties=7, max_nights_per_month=31, fairness_tolerance=0.0)


def _two_territories():
    north = OnCallLine("n", "Nord", None, "astreinte", site_ids=("N1",))
    south = OnCallLine("s", "Sud", None, "astreinte", site_ids=("S1",))
    team = tuple(
        replace(p, sites=frozenset({"N1"})) for p in people(3, member="A", prefix="n")
    ) + tuple(replace(p, sites=frozenset({"S1"})) for p in people(3, member="B", prefix="s"))
    return problem(team, lines=(north, south), end=date(2027, 3, 7), settings=LOOSE)


def test_disjoint_territories_split_and_merge_checker_valid(monkeypatch):
    monkeypatch.setattr(solver, "DECOMPOSE_ABOVE", 0)
    pb = _two_territories()
    parts = components(pb)
    assert len(parts) == 2
    assert sum(len(p.shifts) for p in parts) == len(pb.shifts)
    assert {p.id for p in parts[0].practitioners}.isdisjoint(p.id for p in parts[1].practitioners)
    res = solved(pb)  # the wrapper runs the checker on the merged rota
    assert res.feasible and len(res.assignments) == len(pb.shifts)
    assert check_rota(pb, res.assignments) == []
    # same fairness as the whole model solved in one piece
    whole = _solve_one(pb, time.monotonic(), 10.0, 2, None, None, 0.0)
    assert whole.status == "OPTIMAL" and check_rota(pb, whole.assignments) == []
    assert abs(whole.spread - res.spread) < 1e-9
    assert whole.objective == res.objective


def test_bound_positive_when_perfect_fairness_is_impossible():
    gen = OnCallLine("g", "Générale", None, "astreinte")
    interv = OnCallLine("i", "Interventionnelle", "interventional", "astreinte")
    team = people(4) + (
        Practitioner("r0", "A", frozenset({"general", "interventional"}), 1.0, "Dr R0"),
        Practitioner("r1", "A", frozenset({"general", "interventional"}), 1.0, "Dr R1"),
    )
    pb = problem(team, lines=(gen, interv), end=date(2027, 3, 7), settings=LOOSE)
    lb = spread_lower_bound(pb)
    assert lb > 0  # the two interventional radiologists carry their whole line
    res = solved(pb, seconds=20)
    assert res.feasible
    assert res.bound is not None and res.bound > 0
    assert res.objective >= res.bound
    assert res.spread * 10 >= lb - 1e-9
