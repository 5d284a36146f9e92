"""Small PIMM instances for the engine tests, and a solve wrapper that always runs the checker."""

from __future__ import annotations

from datetime import date

from pimm.engine.rota.calendar import generate_shifts
from pimm.engine.rota.checker import check_rota
from pimm.engine.rota.model import (
    OnCallLine,
    Practitioner,
    RotaProblem,
    RotaSettings,
)
from pimm.engine.rota.solver import solve

GENERAL = OnCallLine("gen", "Radiologie générale", None, "garde")
NEURO = OnCallLine("neuro", "Neuroradiologie", "neuro", "astreinte")


def people(n: int, member: str = "A", competences=("general",), wt: float = 1.0, prefix="p"):
    return tuple(
        Practitioner(f"{prefix}{i}", member, frozenset(competences), wt, f"Dr {prefix.upper()}{i}")
        for i in range(n)
    )


def problem(
    practitioners,
    lines=(GENERAL,),
    start=date(2027, 3, 1),
    end=date(2027, 3, 14),
    **kw,
) -> RotaProblem:
    settings = kw.pop("settings", RotaSettings())
    return RotaProblem(
        practitioners=tuple(practitioners),
        lines=tuple(lines),
        shifts=generate_shifts(lines, start, end, "69"),
        settings=settings,
        **kw,
    )


def solved(pb: RotaProblem, seconds: float = 5.0, **kw):
    """Solve and assert the independent checker finds nothing wrong."""
    res = solve(pb, time_limit_s=seconds, workers=2, **kw)
    if res.feasible:
        violations = check_rota(pb, res.assignments)
        assert violations == [], [v.message for v in violations]
    return res
