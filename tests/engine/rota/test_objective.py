"""Fairness, preferences, minimal change, progress and stopping."""

import itertools
import threading
from dataclasses import replace
from datetime import date

import pytest

from pimm.engine.rota.checker import check_rota, fairness
from pimm.engine.rota.model import (
    ASTREINTE,
    Assignment,
    OnCallLine,
    Practitioner,
    Preference,
    RotaSettings,
    Unavailability,
)

from .helpers import GENERAL, NEURO, people, problem, solved

ASTR = OnCallLine("astr", "Astreinte", None, "astreinte")
LOOSE = RotaSettings(max_consecutive_duties=7, max_nights_per_month=31, fairness_tolerance=0.0)


def test_spread_is_the_brute_force_minimum():
    team = (
        Practitioner("full", "A", frozenset({"general"}), 1.0, "Dr Full"),
        Practitioner("part", "A", frozenset({"general"}), 0.5, "Dr Part"),
        Practitioner("other", "B", frozenset({"general"}), 0.8, "Dr Other"),
    )
    pb = problem(
        team,
        lines=(ASTR,),
        start=date(2027, 3, 4),
        end=date(2027, 3, 8),
        settings=LOOSE,
        carried_points={"other": 1.5},
    )
    best = None
    ids = [p.id for p in team]
    for combo in itertools.product(ids, repeat=len(pb.shifts)):
        rota = [Assignment(s.id, p) for s, p in zip(pb.shifts, combo, strict=True)]
        if check_rota(pb, rota) == []:
            spread = fairness(pb, rota).spread
            best = spread if best is None else min(best, spread)
    res = solved(pb)
    assert res.status == "OPTIMAL"
    # the solver measures in tenths of a point per FTE (floored): equal up to that rounding
    assert abs(res.spread - best) < 0.2
    assert abs(fairness(pb, res.assignments).spread - res.spread) < 1e-9
    assert abs(fairness(pb, res.assignments).gini - res.gini) < 1e-9


def test_load_proportional_to_working_time():
    team = people(4) + (Practitioner("half", "A", frozenset({"general"}), 0.5, "Dr Half"),)
    pb = problem(
        team, lines=(ASTR,), end=date(2027, 3, 28), settings=replace(LOOSE, fairness_tolerance=1.0)
    )
    res = solved(pb)
    load = {ld.practitioner_id: ld for ld in res.loads}
    full = [load[f"p{i}"].points for i in range(4)]
    assert max(full) - min(full) <= 1.0
    assert abs(load["half"].points - sum(full) / 8) <= 1.0
    assert res.spread <= 1.0


def test_preferences_honoured_when_free():
    wishes = (
        Preference("p0", 3, shift_id="astr:2027-03-06:weekend_day"),
        Preference("p1", -3, date=date(2027, 3, 6)),
        Preference("p1", -3, date=date(2027, 3, 7)),
        Preference("p2", 2, date=date(2027, 3, 3)),
    )
    pb = problem(
        people(4),
        lines=(ASTR,),
        preferences=wishes,
        settings=replace(LOOSE, fairness_tolerance=3.0),
    )
    res = solved(pb)
    held = {a.shift_id: a.practitioner_id for a in res.assignments}
    assert held["astr:2027-03-06:weekend_day"] == "p0"
    assert all(
        held[s.id] != "p1" for s in pb.shifts if s.date in (date(2027, 3, 6), date(2027, 3, 7))
    )
    assert held["astr:2027-03-03:weeknight"] == "p2"
    assert res.preference_penalty == 0


def test_minimal_change_resolve_after_an_absence():
    pb = problem(people(8), end=date(2027, 4, 30))
    first = solved(pb, seconds=10)
    assert first.feasible
    leave = Unavailability("p0", date(2027, 3, 15), date(2027, 3, 21))
    lost = [
        a
        for a in first.assignments
        if a.practitioner_id == "p0"
        and leave.start <= next(s.date for s in pb.shifts if s.id == a.shift_id) <= leave.end
    ]
    assert lost  # the absence hits published duties
    again = replace(pb, unavailabilities=(leave,), previous=first.assignments)
    res = solved(again, seconds=10)
    assert res.feasible
    # the lost duties move; fairness may move a few more, but nothing like a new rota
    assert len(lost) <= res.changed_cells <= 4 * len(lost) + 2
    assert res.changed_cells < 0.1 * len(pb.shifts)


def test_progress_reported_and_stop_keeps_best_so_far():
    pb = problem(people(12), lines=(ASTR, OnCallLine("g", "Garde")), end=date(2027, 5, 31))
    seen = []
    stop = threading.Event()

    def progress(objective, bound, seconds):
        seen.append((objective, bound, seconds))
        stop.set()  # stop at the first solution

    res = solved(pb, seconds=30, on_progress=progress, stop_event=stop)
    assert seen and res.feasible
    assert res.wall_seconds < 25
    assert len(res.assignments) == len(pb.shifts)


def test_astreinte_factor_counts_in_the_model_and_the_checker():
    """A neuro astreinte worth half a garde: the two neuro radiologists who alone staff it carry
    as many points as the generalists; at full value they cannot (they carry every neuro duty)."""
    staff = people(4) + people(2, competences=("general", "neuro"), prefix="n")
    spreads = {}
    for factor in (1.0, 0.5):
        pb = problem(
            staff,
            lines=(GENERAL, NEURO),
            settings=RotaSettings(kind_factors={ASTREINTE: factor}),
        )
        res = solved(pb)
        assert res.status == "OPTIMAL"
        assert fairness(pb, res.assignments).spread == pytest.approx(res.spread)
        spreads[factor] = res.spread
    assert spreads[0.5] == 0.0 < spreads[1.0]
