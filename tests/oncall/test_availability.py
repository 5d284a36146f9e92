"""The duty room owns who is available when: one selector (rota duties + the presence plan) and
one hook telling the rooms above that it changed."""

import datetime as dt

import pytest
from django.utils import timezone

from pimm.oncall import hooks, selectors
from pimm.oncall.services import presence as oncall_presence

T0 = timezone.make_aware(dt.datetime(2030, 1, 14, 10, 0))


@pytest.fixture
def reader(world):
    return world.practitioner_a


def test_presence_plan_is_read_through_the_duty_rooms_selector(world, reader):
    site = reader.sites.first()
    oncall_presence.presence_create(
        practitioner=reader, site=site, start=T0, end=T0 + dt.timedelta(hours=4)
    )
    available = selectors.available_between(start=T0, end=T0 + dt.timedelta(minutes=1))
    assert [(p.practitioner_id, p.site_id, p.on_duty) for p in available.presences] == [
        (reader.pk, site.pk, False)
    ]
    later = selectors.available_between(
        start=T0 + dt.timedelta(hours=5), end=T0 + dt.timedelta(hours=6)
    )
    assert later.presences == []


def test_the_hook_tells_when_availability_changed_or_was_withdrawn(world, reader):
    heard = []

    def receiver(sender, withdrawn=False, **kwargs):
        heard.append(withdrawn)

    hooks.availability_changed.connect(receiver, dispatch_uid="test-availability")
    try:
        p = oncall_presence.presence_create(
            practitioner=reader, start=T0, end=T0 + dt.timedelta(hours=4), on_duty=True
        )
        assert heard == [False]  # saved: inputs changed
        oncall_presence.presence_delete(presence=p, now=T0)
        assert heard == [False, False, True]  # deleted, then withdrawn: re-route now
    finally:
        hooks.availability_changed.disconnect(dispatch_uid="test-availability")
