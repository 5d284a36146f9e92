"""Worklist fixtures: readers, presence and exams created in the test, at a future date where
the session demo has no presence (so only the test's readers can be chosen)."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from pimm.oncall.services import presence as oncall_presence
from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist import services

T0 = timezone.make_aware(dt.datetime(2030, 1, 14, 10, 0))  # a Monday
_rpps = itertools.count(1)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@pytest.fixture
def classes(world):
    return {pc.code: pc for pc in services.priority_classes_ensure(platform=world.platform)}


@pytest.fixture
def make_reader():
    def make(member, sites, competences=("general",), present_from=None, hours=10, duty=False):
        p = m.Practitioner.objects.create(
            member=member,
            rpps=f"9{next(_rpps):010d}",
            first_name="Test",
            last_name=f"Lecteur{member.code}",
            status="public",
            competences=list(competences),
        )
        p.sites.set(sites)
        if present_from is not None:
            oncall_presence.presence_create(
                practitioner=p,
                start=present_from,
                end=present_from + dt.timedelta(hours=hours),
                on_duty=duty,
                site=None if duty else sites[0],
            )
        return p

    return make


@pytest.fixture
def make_exam(classes):
    counter = itertools.count(1)

    def make(site, priority="outpatient", competence="general", at=T0, patient=None, **kw):
        n = next(counter)
        patient = patient or services.patient_get_or_create(
            family_name=f"Patient{n}",
            given_name="Test",
            birth_date=dt.date(1970, 1, n % 28 + 1),
            nir=f"1700175{n:06d}00",
        )
        order = services.order_create(
            patient=patient, site=site, priority=classes[priority], requested_at=at
        )
        return services.exam_create(
            order=order,
            modality=kw.pop("modality", "CT"),
            competence=competence,
            scheduled_at=at - minutes(30),
            performed_at=at,
            **kw,
        )

    return make


def reload(exam) -> w.Exam:
    return w.Exam.objects.get(pk=exam.pk)


def active(exam) -> w.Assignment | None:
    return w.Assignment.objects.filter(exam=exam, ended_at__isnull=True).first()


@pytest.fixture(autouse=True)
def _demo_exams_closed(db):
    """The session demo's open exams would be re-routed onto the test's readers: close them."""
    w.Assignment.objects.filter(ended_at__isnull=True).update(ended_at=T0 - dt.timedelta(days=1))
    w.Exam.objects.exclude(status__in=[w.Exam.Status.SIGNED]).update(status=w.Exam.Status.CANCELLED)
