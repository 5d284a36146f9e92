from pathlib import Path

from pimm.engine.rota.curtois import (
    check_roster,
    objective,
    parse_instance,
    read_best_known,
    read_instance,
    solve_instance,
    synthetic_instance,
)

DIR = Path("/work/shared/bench/rostering")


def test_parse_the_three_instances():
    sizes = {}
    for name in ("Instance1", "Instance2", "Instance3"):
        inst = read_instance(DIR / f"{name}.txt")
        sizes[name] = (inst.horizon, len(inst.staff), len(inst.shifts))
    assert sizes == {"Instance1": (14, 8, 1), "Instance2": (14, 14, 2), "Instance3": (14, 20, 3)}
    best = read_best_known(DIR / "README.md")
    assert {k: best[k] for k in ("Instance1", "Instance2", "Instance3", "Instance11")} == {
        "Instance1": 607,
        "Instance2": 828,
        "Instance3": 1001,
        "Instance11": 3443,
    }
    assert set(best) >= {f"Instance{i}" for i in range(1, 12)}  # 4-11 added for issue 16
    inst3 = read_instance(DIR / "Instance3.txt")
    a = inst3.staff[0]
    assert (a.id, a.max_shifts, a.max_minutes, a.min_minutes) == (
        "A",
        {"E": 14, "D": 14, "L": 0},
        4320,
        3360,
    )
    assert [(s.id, s.forbidden_next) for s in inst3.shifts] == [
        ("E", ()),
        ("D", ("E",)),
        ("L", ("E", "D")),
    ]


def test_objective_of_a_hand_roster():
    inst = read_instance(DIR / "Instance1.txt")
    # Empty roster: every on-request missed, every cover unit missing at weight 100.
    on = sum(r.weight for r in inst.on_requests)
    cover = sum(100 * c.requirement for c in inst.cover)
    assert objective(inst, {}) == on + cover
    # A gives day 2 (an on-request of weight 2) and breaks min total minutes.
    roster = {("A", 2): "D"}
    errors, value = check_roster(inst, roster)
    assert value == on + cover - 2 - 100
    assert any("A:" in e and "min" in e for e in errors)


def test_min_consecutive_only_inside_the_horizon():
    text = """SECTION_HORIZON
7
SECTION_SHIFTS
D,480,
SECTION_STAFF
A,D=7,3360,0,5,2,2,2
SECTION_DAYS_OFF
SECTION_SHIFT_ON_REQUESTS
SECTION_SHIFT_OFF_REQUESTS
SECTION_COVER
"""
    inst = parse_instance(text)
    assert check_roster(inst, {("A", 0): "D", ("A", 6): "D"})[0] == []  # edge stretches
    errors, _ = check_roster(inst, {("A", 0): "D", ("A", 1): "D", ("A", 3): "D"})
    assert any("consecutive shifts" in e for e in errors) and any("days off" in e for e in errors)
    # Saturday only counts as a worked weekend
    text2 = text.replace("A,D=7,3360,0,5,2,2,2", "A,D=7,3360,0,5,1,1,0")
    assert any("weekends" in e for e in check_roster(parse_instance(text2), {("A", 5): "D"})[0])


def test_solver_reaches_607_on_instance1():
    inst = read_instance(DIR / "Instance1.txt")
    res = solve_instance(inst, time_limit_s=10, workers=2)
    errors, value = check_roster(inst, res.roster)
    assert errors == []
    assert res.objective == value == 607
    assert res.optimal


def test_instance3_feasible_and_near_best_known_in_a_short_run():
    inst = read_instance(DIR / "Instance3.txt")
    res = solve_instance(inst, time_limit_s=15, workers=2)
    errors, value = check_roster(inst, res.roster)
    assert errors == [] and value == res.objective
    # never below the proven optimum (the reading is exact); the bench shows 1001 is reached
    assert 1001 <= res.objective <= 1300  # loose: a loaded CI machine gets fewer iterations


def test_synthetic_instance_round_trips_and_solves():
    # small enough to be proved optimal in ~2 s; the generous limit only matters on a loaded CI
    inst = parse_instance(synthetic_instance(20, 14, 2, seed=3), "synthetic")
    assert (len(inst.staff), inst.horizon, len(inst.shifts)) == (20, 14, 2)
    res = solve_instance(inst, time_limit_s=30, workers=2)
    assert res.feasible
    errors, value = check_roster(inst, res.roster)
    assert errors == [] and value == res.objective
