"""DICOM fixtures: a modality channel of member A on its device, exams booked on it (and
decoys: another member's, another device's), and the pynetdicom server on a free port whose
association threads share the test's transaction."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connections

from pimm.interop.dicom.server import DicomServer
from pimm.interop.models import Channel
from pimm.worklist import models as w
from pimm.worklist import services
from tests import clock

AE = "MODA1"


@dataclass
class Booked:
    channel: Channel
    ct_today: w.Exam  # CT, today 14:00, accession ACC-T1
    ct_tomorrow: w.Exam  # CT, tomorrow 09:30, ACC-T2
    arrived: w.Exam  # CT, today 16:15, already arrived, ACC-T3
    other_member: w.Exam  # member B's exam, same accession style, on B's device
    other_device: w.Exam  # member A, not booked on this device
    performed: w.Exam  # member A, this device, already in progress (not in the worklist)


def _exam(
    site,
    equipment,
    accession,
    when,
    *,
    family="Dupont",
    given="Élodie",
    nir="295109912611193",
    modality="CT",
    exam_type="Thorax",
    status=None,
):
    patient = services.patient_get_or_create(
        family_name=family, given_name=given, birth_date=dt.date(1995, 10, 3), nir=nir
    )
    priority = w.PriorityClass.objects.get(code="outpatient")
    order = services.order_create(
        patient=patient, site=site, priority=priority, requester="Dr Martin"
    )
    exam = services.exam_create(
        order=order, modality=modality, exam_type=exam_type, scheduled_at=when
    )
    exam = services.exam_interop_keys_set(
        exam=exam, accession_number=accession, equipment=equipment
    )
    for step in status or ():
        exam = services.exam_transition(exam=exam, to=step)
    return exam


def make_channel(world, ae=AE, **kw) -> Channel:
    channel = Channel.objects.create(
        name=f"Scanner {ae}",
        kind=Channel.Kind.DICOM,
        member=world.member_a,
        ae_title=ae,
        equipment=world.equipment_a,
        **kw,
    )
    channel.sites.set([world.site_a])
    return channel


@pytest.fixture
def booked(world) -> Booked:
    from pimm.registry import models as m

    today, tomorrow = clock.TODAY, clock.TODAY + dt.timedelta(days=1)
    other_a = (
        m.Equipment.objects.filter(site=world.site_a).exclude(pk=world.equipment_a.pk).first()
        or world.equipment_b
    )
    return Booked(
        channel=make_channel(world),
        ct_today=_exam(world.site_a, world.equipment_a, "ACC-T1", clock.at(today, 14, 0)),
        ct_tomorrow=_exam(
            world.site_a,
            world.equipment_a,
            "ACC-T2",
            clock.at(tomorrow, 9, 30),
            family="Lefèvre",
            given="Noël",
            nir="253072B07300470",
            exam_type="Abdomen",
        ),
        arrived=_exam(
            world.site_a,
            world.equipment_a,
            "ACC-T3",
            clock.at(today, 16, 15),
            status=["arrived"],
            family="Martin",
            given="Paul",
            nir="253072A07300443",
        ),
        other_member=_exam(
            world.site_b,
            world.equipment_b,
            "ACC-B1",
            clock.at(today, 14, 0),
            family="Secret",
            given="Bob",
        ),
        other_device=_exam(world.site_a, other_a, "ACC-O1", clock.at(today, 11, 0)),
        performed=_exam(
            world.site_a,
            world.equipment_a,
            "ACC-P1",
            clock.at(today, 8, 0),
            status=["arrived", "in_progress"],
        ),
    )


@pytest.fixture
def dicom_server(db):
    """The DICOM listener on a free port; association threads use the test's connection."""
    conn = connections["default"]
    conn.inc_thread_sharing()
    server = DicomServer(
        port=0, max_associations=3, timeout=3, connection_override={"default": conn}
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        conn.dec_thread_sharing()
