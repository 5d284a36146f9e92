"""The last computation said in a coordinator's words, and the month grid read days down."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from pimm.accounts.models import AuditEvent
from pimm.oncall import services
from pimm.oncall.models import RotaAssignment, RotaSolve
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


@pytest.mark.django_db
def test_audit_reasons_read_in_the_readers_language(coordinator, upcoming, client_for):
    """A lock's reason is stored as a message, not as the French of whoever locked: the audit
    trail and its CSV say it in each reader's language."""
    draft = services.rota_revise(actor=coordinator, rota=upcoming)
    shift = draft.shifts.order_by("starts_at").first()
    holder = RotaAssignment.objects.filter(shift__rota=upcoming).first().practitioner
    cell = services.rota_cell_lock(
        actor=coordinator,
        rota=draft,
        shift=shift,
        locked=True,
        expected_version=draft.version,
        practitioner=holder,
    )
    event = AuditEvent.objects.filter(model="rotaassignment", object_id=str(cell.pk)).last()
    assert "verrouillage" in event.reason  # the msgid, with its parameters, as a record
    client = client_for("coordinator")
    params = {"model": "rotaassignment", "object_id": str(cell.pk)}
    french = client.get(reverse("accounts:audit"), params).content.decode()
    english = client.get(reverse("accounts:audit"), params, HTTP_ACCEPT_LANGUAGE="en").content
    assert "<i>verrouillage</i>" in french
    assert "<i>lock</i>" in english.decode() and '{"text"' not in english.decode()
    with translation.override("en"):
        body = client.get(reverse("accounts:audit_csv"), params, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig")), delimiter=";"))
    assert any(r[-1] == "lock" for r in rows[1:])
