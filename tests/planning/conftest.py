import datetime as dt

import pytest
from django.utils import timezone

from pimm.planning import models as pm


@pytest.fixture
def plan(db) -> pm.VacationPlan:
    """The demo's published quarter (loaded once per test database)."""
    return pm.VacationPlan.objects.get(status=pm.VacationPlan.Status.PUBLISHED)


@pytest.fixture
def now(plan) -> dt.datetime:
    """The session's (frozen) clock, inside the demo's quarter: slots after it are bookable."""
    assert plan.start <= timezone.localdate() < plan.end
    return timezone.now()


def free_slot(*, purpose="general", modality="CT", after=None, **filters) -> pm.Slot:
    qs = pm.Slot.objects.filter(
        plan__status="published",
        booking__isnull=True,
        status="open",
        purpose=purpose,
        equipment__modality=modality,
        **filters,
    )
    if after is not None:
        qs = qs.filter(start__gte=after)
    return qs.order_by("start", "equipment_id").first()
