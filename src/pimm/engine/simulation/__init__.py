"""Seeded discrete-event simulation of a PIMM reading its exams (Django-free).

scenario = scenario_from_demo(generate(seed=42), days=30)   # or build a Scenario by hand
result = simulate(scenario, Router())                       # batch
sim = Simulation(scenario, Router()); sim.step()             # step by step (demo worklist)
bound = emergency_lower_bound(scenario)                      # offline lower bound
"""

from pimm.engine.simulation.arrivals import (
    ArrivalModel,
    DeviceProfile,
    SiteProfile,
    generate_arrivals,
)
from pimm.engine.simulation.engine import (
    SimResult,
    Simulation,
    Step,
    availability_changes,
    simulate,
)
from pimm.engine.simulation.model import Arrival, ClassMetrics, ExamOutcome, Metrics, Scenario

__all__ = [
    "Arrival",
    "ArrivalModel",
    "ClassMetrics",
    "DeviceProfile",
    "ExamOutcome",
    "Metrics",
    "Scenario",
    "SimResult",
    "Simulation",
    "SiteProfile",
    "Step",
    "availability_changes",
    "generate_arrivals",
    "simulate",
]
