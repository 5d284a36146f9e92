"""Evaluation fixtures: small hand-built worlds in a window years before the session demo's data
(the demo's plans, rotas and exams are all around today), so each indicator sees only the rows
the test wrote; a second platform where the registry's rows must not mix with the demo's."""

import datetime as dt
import itertools

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from pimm.evaluation import indicators as ind
from pimm.registry import models as m
from tests import clock

WINDOW_START = clock.month_start(-48)  # four years before the session's today
WINDOW_END = clock.month_start(-47)  # one month
_n = itertools.count(1)


def ctx(platform, start=WINDOW_START, end=WINDOW_END, **kw) -> ind.Context:
    return ind.Context(platform_id=platform.pk, start=start, end=end, today=clock.TODAY, **kw)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def totals(result) -> list:
    return [r.value for r in result if r.dimension == "total"]


def labelled(result, dimension: str) -> dict:
    return {r.label: r.value for r in result if r.dimension == dimension}


@pytest.fixture
def other_platform(db):
    """A second platform: two members (public hospital, private group), a site each."""
    p = m.Platform.objects.create(
        name="PIMM d'essai",
        legal_form=m.Platform.LegalForm.GCS_MOYENS,
        authorized_on=WINDOW_START,
    )
    public = m.Member.objects.create(
        platform=p, code="T-PUB", name="CH d'essai", kind="public_hospital", siren="000000001"
    )
    private = m.Member.objects.create(
        platform=p, code="T-PRI", name="SELARL d'essai", kind="private_group", siren="000000002"
    )
    site_pub = m.Site.objects.create(
        member=public, code="T-S1", name="Site public", town="Vienne", latitude=45.0, longitude=5.0
    )
    site_pri = m.Site.objects.create(
        member=private, code="T-S2", name="Site privé", town="Vienne", latitude=45.0, longitude=5.1
    )
    return p, public, private, site_pub, site_pri


@pytest.fixture
def make_practitioner():
    def make(member, working_time="1.00"):
        return m.Practitioner.objects.create(
            member=member,
            rpps=f"8{next(_n):010d}",
            first_name="Essai",
            last_name=f"Radiologue{next(_n)}",
            status="public",
            competences=["general"],
            working_time=working_time,
        )

    return make


def upload(name="preuve.pdf") -> ContentFile:
    return ContentFile(b"%PDF-1.4 preuve", name=name)
