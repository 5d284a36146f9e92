import time
import pytest
from pimm.evaluation import indicators as ind
from pimm.registry import selectors as registry
from tests import clock

@pytest.mark.django_db
def test_smoke(world):
    ctx = ind.Context(platform_id=world.platform.pk, start=clock.month_start(-6), end=clock.month_start(6), today=clock.TODAY)
    for i in ind.all_indicators():
        t = time.perf_counter()
        r = i.compute(ctx)
        print(i.code, round(time.perf_counter() - t, 3), r if isinstance(r, ind.Missing) else [x for x in r if x.dimension == "total"][:8], len(r) if r else 0)
