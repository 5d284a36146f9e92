from datetime import date

from pimm.engine.rota.model import (
    Assignment,
    MemberQuota,
    OnCallLine,
    RotaSettings,
    Unavailability,
)

from .helpers import GENERAL, NEURO, people, problem, solved


def test_line_without_competent_practitioner():
    pb = problem(people(5), lines=(GENERAL, NEURO))
    res = solved(pb)
    assert res.status == "INFEASIBLE" and res.assignments == ()
    assert any("Ligne Neuroradiologie" in t and "« neuro »" in t for t in res.explanation)


def test_everyone_on_leave_for_a_month():
    team = people(4)
    leave = tuple(Unavailability(p.id, date(2027, 3, 1), date(2027, 3, 31)) for p in team)
    pb = problem(team, end=date(2027, 4, 10), unavailabilities=leave)
    res = solved(pb)
    assert res.status == "INFEASIBLE"
    text = " ".join(res.explanation)
    assert "Ligne Radiologie générale, du 01/03/2027 au 31/03/2027" in text
    assert "congés de Dr P0, Dr P1, Dr P2, Dr P3" in text
    assert "04/2027" not in text


def test_quotas_over_100_percent():
    pb = problem(
        people(2, "A") + people(2, "B", prefix="q"),
        quotas=(MemberQuota("A", 70, 5), MemberQuota("B", 50, 5)),
    )
    res = solved(pb)
    assert res.status == "INFEASIBLE"
    assert any("120 %" in t and "plus de 100 %" in t for t in res.explanation)


def test_night_cap_conflict_found_with_assumptions():
    # Two neuro practitioners, 14 neuro nights, at most 3 nights each in March: 6 < 10 nights.
    gen = people(6)
    neuro = people(2, competences=("general", "neuro"), prefix="n")
    neuro_nights = OnCallLine(
        "neuro", "Neuroradiologie", "neuro", "astreinte", categories=("weeknight",)
    )
    pb = problem(
        gen + neuro, lines=(GENERAL, neuro_nights), settings=RotaSettings(max_nights_per_month=3)
    )
    res = solved(pb, seconds=10)
    assert res.status == "INFEASIBLE"
    text = " ".join(res.explanation)
    assert "Ligne Neuroradiologie" in text
    assert "plafond de 3 nuits par mois atteint pour Dr N0, Dr N1" in text
    assert "Radiologie générale" not in text


def test_locked_cell_on_leave_is_named():
    pb = problem(
        people(4),
        unavailabilities=(Unavailability("p2", date(2027, 3, 2), date(2027, 3, 3)),),
        locked=(Assignment("gen:2027-03-02:weeknight", "p2"),),
    )
    res = solved(pb)
    assert res.status == "INFEASIBLE"
    text = " ".join(res.explanation)
    assert "Cellule verrouillée : Dr P2 sur ligne Radiologie générale, nuit du 02/03/2027" in text
