"""The heaviest pages cost the same number of queries with few rows and with many: a page whose
count grows with its rows (an N+1) fails here. Each test renders a page, changes how many rows
it shows, renders it again and compares the two counts."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pimm.oncall.models import Rota
from pimm.planning import models as pm
from pimm.registry import models as m
from pimm.worklist import services as ws
from tests import clock

T0 = timezone.make_aware(dt.datetime(2030, 1, 14, 10, 0))
_n = itertools.count(1)


def queries(client, url: str) -> int:
    client.get(url)  # warm: per-process caches (routing inputs, sessions) load once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def _exam(world, site, classes, reader=None):
    n = next(_n)
    patient = ws.patient_get_or_create(
        family_name=f"Compte{n}",
        given_name="Test",
        birth_date=dt.date(1970, 1, n % 28 + 1),
        nir=f"1700175{n:06d}00",
    )
    order = ws.order_create(
        patient=patient, site=site, priority=classes["outpatient"], requested_at=T0
    )
    exam = ws.exam_create(
        order=order, modality="CT", scheduled_at=T0 - dt.timedelta(minutes=30), performed_at=T0
    )
    if reader is not None:
        version = type(exam).objects.get(pk=exam.pk).routing_version
        ws.exam_assign(exam_id=exam.pk, reader_id=reader.pk, expected_version=version, at=T0)
    return exam


@pytest.fixture
def classes(world):
    return {pc.code: pc for pc in ws.priority_classes_ensure(platform=world.platform)}


def test_worklist_queue_and_exam_list(world, client_for, classes):
    reader = world.users["radiologist_a"].practitioner
    site = reader.sites.first()
    radiologist = client_for("radiologist_a")  # their list shows only the exams given to them
    _exam(world, site, classes, reader)
    few = (queries(radiologist, "/lecture/"), queries(radiologist, "/lecture/examens/"))
    for _ in range(6):
        _exam(world, site, classes, reader)
    many = (queries(radiologist, "/lecture/"), queries(radiologist, "/lecture/examens/"))
    assert many == few


def test_rota_grid(world, client_for):
    rota = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start())
    client = client_for("coordinator")
    url = f"/gardes/tableaux/{rota.pk}/"
    many = queries(client, url)
    shifts = list(rota.shifts.order_by("starts_at").values_list("pk", flat=True))
    assert len(shifts) > 20
    rota.shifts.filter(pk__in=shifts[len(shifts) // 3 :]).delete()
    few = queries(client, url)
    assert few == many


def _booking(like: pm.Booking, n: int) -> pm.Booking:
    return pm.Booking.objects.create(
        order_reference=f"QC-{n}",
        exam_type=like.exam_type,
        patient_pseudonym=f"PAT-QC{n:04d}",
        member=like.member,
        equipment=like.equipment,
        start=like.start,
        end=like.end,
    )


def test_planning_calendar_and_booking_list(world, client_for):
    booking = pm.Booking.objects.filter(status="booked").order_by("pk").first()
    day = timezone.localtime(booking.start).date()
    calendar = f"/planning/?device={booking.equipment_id}&date={day.isoformat()}&view=week"
    mine = "/planning/rendez-vous/?q=QC-"  # only the bookings made here
    client = client_for("coordinator")
    _booking(booking, 0)
    week = pm.Booking.objects.filter(
        equipment_id=booking.equipment_id,
        start__date__gte=day - dt.timedelta(days=7),
        start__date__lte=day + dt.timedelta(days=7),
    )
    many = (queries(client, calendar), queries(client, mine))
    assert week.count() > 1
    pm.Slot.objects.filter(booking__in=week.exclude(pk=booking.pk)).update(booking=None)
    few_calendar = queries(client, calendar)
    for n in range(1, 7):
        _booking(booking, n)
    assert (few_calendar, queries(client, mine)) == many


@pytest.mark.parametrize("key", ["equipment", "authorization"])
def test_registry_lists(world, client_for, key):
    client = client_for("coordinator")
    url = f"/registre/{key}/?q=QC-"  # only the rows made here
    auth = world.authorization_b
    for i in range(7):
        if i == 1:
            few = queries(client, url)
        device = m.Equipment.objects.create(
            site=world.site_a,
            holder=world.member_b,
            code=f"QC-{i}",
            name=f"Appareil {i}",
            modality=m.Modality.CT,
        )
        m.Authorization.objects.create(
            equipment=device,
            number=f"QC-{i}",
            decided_on=auth.decided_on,
            starts_on=auth.starts_on,
            ends_on=auth.ends_on,
        )
    assert queries(client, url) == few
