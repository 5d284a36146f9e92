"""On-call fixtures: the demo's published rota of the current month (the demo also publishes the
next month's), and checks every test reuses."""

import pytest

from pimm.accounts.roles import Role
from pimm.accounts.services import user_create
from pimm.engine.rota.checker import check_rota
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import Rota, RotaAssignment
from tests import clock

PASSWORD = "correct-horse-battery-staple"


def assert_legal(rota: Rota) -> None:
    """The engine's independent checker accepts the rota and every shift is staffed."""
    problem = build_problem(rota, include_previous=False)
    assignments = current_assignments(rota)
    assert check_rota(problem, assignments) == []
    assert len(assignments) == len(problem.shifts) == rota.shifts.count()


@pytest.fixture
def published(db) -> Rota:
    rota = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start())
    assert_legal(rota)
    return rota


@pytest.fixture
def upcoming(db) -> Rota:
    """The demo's published rota of next month: every shift in it is still to come."""
    rota = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start(1))
    assert_legal(rota)
    return rota


@pytest.fixture
def coordinator(world):
    return world.users["coordinator"]


@pytest.fixture
def radiologist_user():
    """Give a practitioner a login: ``radiologist_user(practitioner)`` → User."""
    made = {}

    def make(practitioner):
        if practitioner.user_id:
            return practitioner.user
        user = user_create(
            username=f"rad-{practitioner.pk}", password=PASSWORD, role=Role.RADIOLOGIST
        )
        practitioner.user = user
        practitioner.save()
        made[practitioner.pk] = user
        return user

    return make


def holders(rota: Rota) -> dict[str, int]:
    return dict(
        RotaAssignment.objects.filter(shift__rota=rota).values_list("shift__key", "practitioner_id")
    )
