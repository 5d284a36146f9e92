"""The last computation said in a coordinator's words, and the month grid read days down."""

import pytest
from django.utils import translation

from pimm.oncall.models import RotaSolve
from pimm.oncall.wording import solve_verdict

S = RotaSolve.Status


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"status": S.DONE, "objective": 120.0, "bound": 120.0, "seconds": 3.2},
            "Tableau optimal trouvé en 3 s.",
        ),
        (
            {"status": S.DONE, "objective": 100.0, "bound": 98.0, "seconds": 20.4},
            "Meilleur tableau trouvé en 20 s, à 2,0 % de l'optimum.",
        ),
        (
            {"status": S.STOPPED, "objective": 100.0, "bound": 90.0, "seconds": 7.0},
            "Calcul arrêté : meilleur tableau trouvé en 7 s, à 10,0 % de l'optimum.",
        ),
        # a rota with no proven bound says nothing of the optimum (it claimed 0 % before)
        (
            {"status": S.DONE, "objective": 100.0, "bound": None, "seconds": 2.0},
            "Tableau trouvé en 2 s (écart à l'optimum non prouvé).",
        ),
        ({"status": S.FAILED, "message": "boom"}, "Le calcul a échoué : boom"),
    ],
)
def test_verdicts_in_french(fields, expected):
    with translation.override("fr"):
        assert solve_verdict(RotaSolve(**fields)) == expected


def test_month_grid_reads_days_down_with_full_names_and_holidays(client_for):
    """Days down and lines across, every holder by full name: 31 narrow day columns cut each
    name into pieces. A public holiday in the month is marked on its row."""
    import datetime as dt
    import re

    from django.urls import reverse

    from pimm.oncall import selectors
    from pimm.oncall.models import Rota, RotaAssignment

    rota = Rota.objects.filter(status=Rota.Status.PUBLISHED).order_by("start").first()
    html = client_for("coordinator").get(reverse("oncall:rota", args=[rota.pk])).content.decode()
    y, m = selectors.months_of(rota)[0]
    grid = selectors.month_grid(rota=rota, year=y, month=m)
    table = html[html.index('data-testid="rota-grid"') : html.index("</table>")]
    rows = re.findall(r'<th class="day" scope="row">(.*?)</th>', table, re.S)
    assert len(rows) == len(grid.days) and len(grid.rows) >= 1
    heads = re.findall(r'<th class="line" scope="col"', table)
    assert len(heads) == len(grid.rows)
    one = RotaAssignment.objects.filter(shift__rota=rota).select_related("practitioner").first()
    assert f"{one.practitioner.first_name} {one.practitioner.last_name}" in table
    holidays = [d for d in grid.days if d in grid.holidays]
    assert all(isinstance(d, dt.date) for d in holidays)
    assert sum("férié" in r for r in rows) == len(holidays)
