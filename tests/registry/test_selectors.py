import datetime as dt

from pimm.registry import selectors
from pimm.registry.models import Convention


def test_convention_in_force_follows_periods(world):
    platform = world.platform
    start = world.convention.effective_from
    assert selectors.convention_in_force(platform_id=platform.pk, day=start) == world.convention
    assert (
        selectors.convention_in_force(platform_id=platform.pk, day=start - dt.timedelta(days=1))
        is None
    )
    Convention.objects.filter(pk=world.convention.pk).update(effective_to=start)
    assert (
        selectors.convention_in_force(platform_id=platform.pk, day=start + dt.timedelta(days=1))
        is None
    )
    assert (
        sum(k.time_share for k in selectors.sharing_keys_on(platform_id=platform.pk, day=start))
        == 100
    )


def test_active_practitioners_are_scoped_to_the_platform(world):
    assert selectors.active_practitioners(platform_id=world.platform.pk).count() == 60
