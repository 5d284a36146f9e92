"""Point weights per platform: edited by the coordinator on a French page, audited, handed to
the engine, and used wherever points are counted (fairness, balances, pay exports)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from pimm.accounts.models import AuditEvent
from pimm.engine.rota import model as em
from pimm.engine.rota.points import compute_loads, shift_points
from pimm.oncall import exports, selectors
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import OnCallLine, PointBalance, PointWeights, Rota, RotaAssignment

pytestmark = pytest.mark.django_db

GOOD = {
    "weeknight": "2",
    "weekend_day": "1,5",
    "weekend_night": "3",
    "holiday_day": "4",
    "holiday_night": "4,5",
    "astreinte_percent": "50",
}


def _expected_points(rota, weights: dict[str, float], astreinte: float, year=None) -> float:
    """The points of ``rota``'s duties, or with ``year`` of every published duty that year."""
    duties = RotaAssignment.objects.filter(shift__rota=rota)
    if year is not None:
        duties = RotaAssignment.objects.filter(
            shift__rota__status=Rota.Status.PUBLISHED, shift__date__year=year
        )
    total = 0.0
    for cat, kind in duties.values_list("shift__category", "shift__line__kind"):
        total += weights[cat] * (astreinte if kind == em.ASTREINTE else 1.0)
    return total


def test_engine_shift_points_weights_category_and_kind():
    st = em.RotaSettings(points={em.WEEKNIGHT: 2.0}, kind_factors={em.ASTREINTE: 0.5})
    assert shift_points(st, em.WEEKNIGHT) == 2.0
    assert shift_points(st, em.WEEKNIGHT, em.ASTREINTE) == 1.0
    assert shift_points(st, em.WEEKEND_DAY) == 0.0
    assert shift_points(em.RotaSettings(), em.WEEKEND_NIGHT, em.ASTREINTE) == 2.0  # default 1x


def test_coordinator_sets_weights_used_everywhere(world, client_for, published):
    year = published.start.year
    before_balance = sum(PointBalance.objects.filter(year=year).values_list("earned", flat=True))
    assert before_balance == pytest.approx(
        _expected_points(published, em.DEFAULT_POINTS, 1.0, year=year), abs=0.05
    )
    # make one line an astreinte so the kind factor is exercised
    line = OnCallLine.objects.filter(pk=published.shifts.first().line_id).get()
    line.kind = em.ASTREINTE
    line.save()

    response = client_for("coordinator").post(reverse("oncall:weights"), GOOD)
    assert response.status_code == 302
    weights = PointWeights.objects.get(platform=world.platform)
    assert weights.weeknight == Decimal("2.0") and weights.astreinte_percent == 50
    assert AuditEvent.objects.filter(model="pointweights", object_id=str(weights.pk)).exists()

    new = {
        "weeknight": 2.0,
        "weekend_day": 1.5,
        "weekend_night": 3.0,
        "holiday_day": 4.0,
        "holiday_night": 4.5,
    }
    expected = _expected_points(published, new, 0.5)
    expected_year = _expected_points(published, new, 0.5, year=year)
    # balances re-counted with the new weights
    after = sum(PointBalance.objects.filter(year=year).values_list("earned", flat=True))
    assert after == pytest.approx(expected_year, abs=0.05)
    assert after != pytest.approx(before_balance, abs=0.05)
    # fairness page and selector
    f = selectors.fairness(platform_id=world.platform.pk, year=year)
    assert sum(r.points for r in f.rows) == pytest.approx(expected_year)
    page = client_for("reviewer").get(reverse("oncall:fairness")).content.decode()
    assert "nuit de week-end 3,0" in page and "astreinte 50 %" in page
    # the engine gets them, and its load figures agree with the app
    problem = build_problem(published, include_previous=False)
    assert problem.settings.points[em.WEEKEND_NIGHT] == 3.0
    assert problem.settings.kind_factors == {em.ASTREINTE: 0.5}
    loads, _spread, _gini = compute_loads(problem, current_assignments(published))
    assert sum(ld.points for ld in loads) == pytest.approx(expected)
    # pay export: the points column
    body = exports.to_csv(selectors.duties(rota=published))
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))[1:]
    assert sum(float(r[9]) for r in rows) == pytest.approx(expected)


@pytest.mark.parametrize(
    "field,value",
    [
        ("weeknight", "0"),
        ("weekend_day", "abc"),
        ("holiday_night", "12"),
        ("astreinte_percent", "500"),
    ],
)
def test_bad_weights_explained_in_french_and_nothing_written(world, client_for, field, value):
    response = client_for("coordinator").post(reverse("oncall:weights"), {**GOOD, field: value})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="alert"' in text
    assert any(w in text for w in ("Assurez-vous", "Saisissez un nombre", "nombre"))
    assert not PointWeights.objects.exists()


def test_weights_read_only_for_reviewer_and_forbidden_to_others(world, client_for):
    url = reverse("oncall:weights")
    assert client_for("reviewer").get(url).status_code == 200
    assert "disabled" in client_for("reviewer").get(url).content.decode()
    for persona in ("reviewer", "radiologist_a", "manager_a"):
        assert client_for(persona).post(url, GOOD).status_code == 403
    for persona in ("secretary_a", "technologist_a"):
        assert client_for(persona).get(url).status_code == 403
    assert not PointWeights.objects.exists()
