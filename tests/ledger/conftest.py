import datetime as dt
import random
from decimal import Decimal

import pytest

from pimm.ledger import models as lm
from pimm.ledger.demo import sign_exam
from pimm.worklist import services as worklist
from tests import clock


@pytest.fixture
def classes(world):
    return {c.code: c for c in worklist.priority_classes_ensure(platform=world.platform)}


@pytest.fixture
def sign(world, classes):
    """Sign one exam on a device (performed at ``when``, signed now): the ledger's hook runs."""
    rng = random.Random(3)

    def make(
        *,
        equipment=None,
        kind="CT/general",
        priority="outpatient",
        when=None,
        css=False,
        reader=None,
    ):
        return sign_exam(
            equipment=equipment or world.equipment_a,
            kind=kind,
            priority=classes[priority],
            reader=reader or world.practitioner_a,
            when=when or clock.NOW - dt.timedelta(hours=1),
            rng=rng,
            css=css,
        )

    return make


@pytest.fixture
def period(world):
    """This month (open)."""
    return lm.Period.objects.get_or_create(platform=world.platform, month=clock.month_start(0))[0]


@pytest.fixture
def closed(world):
    """Last month, closed by the demo."""
    return lm.Period.objects.get(platform=world.platform, month=clock.month_start(-1))


def d(text: str) -> Decimal:
    return Decimal(text)
