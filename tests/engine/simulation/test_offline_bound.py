"""The offline bound against brute force on small instances: exact with one window, below
the optimum with several, and below what any policy achieves in the simulation."""

import datetime as dt
import itertools
import random

import pytest

from pimm.engine.routing import (
    AvailabilityKind,
    Priority,
    Reader,
    RotaEntry,
    RoundRobinPolicy,
    Router,
    RoutingConfig,
)
from pimm.engine.routing.model import Exam, ServiceLevels
from pimm.engine.simulation import Scenario, simulate
from pimm.engine.simulation.model import Arrival
from pimm.engine.simulation.offline import emergency_lower_bound

T0 = dt.datetime(2027, 1, 4, 0, 0)


def _instance(seed: int, config: RoutingConfig | None = None) -> Scenario:
    rng = random.Random(seed)
    readers = (
        Reader("A", "M", frozenset({"general", "neuro"}), frozenset({"S"})),
        Reader("B", "M", frozenset({"general"}), frozenset({"S"})),
        Reader("C", "M", frozenset({"neuro"}), frozenset({"S"})),
    )
    rota = []
    for r in readers:
        s = T0 + dt.timedelta(minutes=rng.choice([0, 0, 20, 40]))
        rota.append(RotaEntry(r.id, s, s + dt.timedelta(hours=rng.choice([1, 2, 6])),
                              AvailabilityKind.DUTY, None))  # fmt: skip
    arrivals = []
    levels = ServiceLevels()
    for i in range(rng.randint(5, 8)):
        ready = T0 + dt.timedelta(minutes=rng.randint(0, 40), seconds=rng.randint(0, 59))
        prio = rng.choice([Priority.EMERGENCY, Priority.LIFE_THREATENING])
        exam = Exam(
            id=f"E{i}",
            patient_key=f"p{i}",
            site="S",
            member="M",
            modality="CT",
            competence=rng.choice(["general", "neuro"]),
            priority=prio,
            ready_at=ready,
            deadline=levels.deadline(prio, ready),
            work_units=0.8,
        )
        arrivals.append(Arrival(exam, round(rng.uniform(3, 15), 3)))
    arrivals.sort(key=lambda a: a.exam.ready_at)
    return Scenario(
        readers=readers,
        rota=tuple(rota),
        arrivals=tuple(arrivals),
        start=T0,
        end=T0 + dt.timedelta(hours=1),
        # no fallback competence: the brute force below knows only the exact competence
        config=config or RoutingConfig(fallback={}),
    )


def _brute_force(sc: Scenario) -> float:
    """Minimum sum of turnarounds (minutes, whole seconds as the bound counts them): every
    assignment to a competent reader and every order on each reader, each exam started as early
    as its order allows (optimal for a fixed order)."""
    spans = {e.reader_id: (e.start, e.end) for e in sc.rota}
    elig = []
    for a in sc.arrivals:
        elig.append([r.id for r in sc.readers if a.exam.competence in r.competences])
    best = float("inf")
    for choice in itertools.product(*elig):
        total = 0.0
        for r in set(choice):
            jobs = [a for a, c in zip(sc.arrivals, choice, strict=True) if c == r]
            s0, s1 = spans[r]
            best_r = float("inf")
            for order in itertools.permutations(jobs):
                t = s0
                cost = 0.0
                for a in order:
                    start = max(t, a.exam.ready_at.replace(microsecond=0))
                    if start >= s1:
                        cost = float("inf")
                        break
                    dur = dt.timedelta(seconds=int(a.read_minutes * 60))
                    t = start + dur
                    cost += (t - a.exam.ready_at).total_seconds() / 60
                best_r = min(best_r, cost)
            total += best_r
        best = min(best, total)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_bound_equals_brute_force_in_one_window_and_stays_below_with_several(seed):
    sc = _instance(seed)
    exact = _brute_force(sc)
    one = emergency_lower_bound(sc, window=dt.timedelta(hours=2), time_limit_s=5, workers=1)
    assert one.windows_optimal == one.windows == 1
    assert one.lower_bound_minutes == pytest.approx(exact, abs=1e-6)
    cut = emergency_lower_bound(sc, window=dt.timedelta(minutes=15), time_limit_s=5, workers=1)
    assert cut.lower_bound_minutes <= exact + 1e-6
    assert cut.lower_bound_minutes >= cut.trivial_bound_minutes - 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_bound_is_below_every_policy_on_small_instances(seed):
    sc = _instance(seed, RoutingConfig())  # with the general fallback for neuro exams
    bound = emergency_lower_bound(sc, window=dt.timedelta(minutes=20), time_limit_s=5, workers=1)
    for policy in (Router(), RoundRobinPolicy()):
        res = simulate(sc, policy)
        tats = [o.turnaround_minutes for o in res.outcomes]
        assert None not in tats
        assert bound.lower_bound_minutes <= sum(tats) + 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_halving_a_group_that_is_not_proven_keeps_a_valid_bound(seed, monkeypatch):
    import pimm.engine.simulation.offline as offline

    sc = _instance(seed)
    exact = _brute_force(sc)
    real = offline._solve_group
    calls = []

    def unproven(jobs, *a):  # CP-SAT "proves nothing" above 2 exams: groups are halved
        calls.append(len(jobs))
        r = real(jobs, *a)
        return (r[1], r[1], 0, r[3]) if len(jobs) > 2 else r

    monkeypatch.setattr(offline, "_solve_group", unproven)
    monkeypatch.setattr(offline, "_SPLIT_MIN", 3)
    bound = emergency_lower_bound(sc, window=dt.timedelta(hours=2), time_limit_s=5, workers=1)
    assert bound.trivial_bound_minutes - 1e-6 <= bound.lower_bound_minutes <= exact + 1e-6
    assert len(calls) > len(sc.arrivals) // 2  # the halves were solved too
