"""One message in, one ACK out: codes per case, duplicates, the channel's member and sites."""

import datetime as dt

import pytest

from pimm.interop.hl7 import samples as s
from pimm.interop.hl7.models import InboundMessage, PatientIdentifier
from pimm.worklist.models import Exam, Order
from tests import clock

from .conftest import APP, FAC, control_id, send

pytestmark = pytest.mark.django_db


def nw(world, person, placer, **kw):
    kw.setdefault("site", world.site_a.code)
    return s.order(APP, FAC, control_id(), person, placer=placer, **kw)


def test_orm_new_order_creates_order_and_exam(world, channel, person):
    text = nw(
        world, person, "P100", exams=[s.Requested("ACC100", "MR", "ZZQN001", "IRM cérébrale")]
    )
    ack = send(text)
    assert ack["code"] == "AA", ack
    order = Order.objects.get(member=world.member_a, placer_number="P100")
    exam = Exam.objects.get(order=order)
    assert (exam.accession_number, exam.modality, exam.exam_type) == (
        "ACC100",
        "MRI",
        "IRM cérébrale",
    )
    assert exam.site == world.site_a and order.priority.code == "outpatient"
    row = InboundMessage.objects.get(control_id=ack["control"])
    assert row.state == "applied" and row.channel == channel and row.placer_number == "P100"
    assert row.ack.startswith("MSH|") and "MSA|AA|" in row.ack


def test_omi_o23_with_tq1_priority_and_ipc(world, channel, person):
    when = clock.at(clock.TODAY + dt.timedelta(days=1), 9, 30)
    text = nw(
        world,
        person,
        "P200",
        kind="OMI^O23",
        priority="S",
        when=when,
        exams=[s.Requested("ACC200", "CT")],
    )
    assert send(text)["code"] == "AA"
    exam = Exam.objects.get(accession_number="ACC200")
    assert exam.priority.code == "emergency" and exam.modality == "CT"
    assert exam.scheduled_at == when


def test_change_and_cancel(world, channel, person):
    assert send(nw(world, person, "P300", exams=[s.Requested("ACC300", "CT")]))["code"] == "AA"
    xo = nw(
        world,
        person,
        "P300",
        control="XO",
        priority="S",
        exams=[s.Requested("ACC300", "MR", label="IRM"), s.Requested("ACC301", "CT")],
    )
    assert send(xo)["code"] == "AA"
    order = Order.objects.get(placer_number="P300")
    exams = {e.accession_number: e for e in order.exams.all()}
    assert exams["ACC300"].modality == "MRI" and "ACC301" in exams
    assert order.priority.code == "emergency" and exams["ACC300"].priority.code == "emergency"
    assert send(nw(world, person, "P300", control="CA"))["code"] == "AA"
    assert set(order.exams.values_list("status", flat=True)) == {"cancelled"}


def test_discontinue_of_unknown_order_is_ae(world, channel, person):
    ack = send(nw(world, person, "NOPE", control="DC"))
    assert ack["code"] == "AE" and "inconnue" in ack["text"] and ack["err"] == "204"


def test_duplicate_new_order_is_refused(world, channel, person):
    assert send(nw(world, person, "P400"))["code"] == "AA"
    ack = send(nw(world, person, "P400"))
    assert ack["code"] == "AE" and ack["err"] == "205"
    assert Order.objects.filter(placer_number="P400").count() == 1


def test_resend_gets_original_ack_and_changes_nothing(world, channel, person):
    text = nw(world, person, "P500")
    first = send(text)
    orders = Order.objects.count()
    again = send(text)
    assert again == first and Order.objects.count() == orders
    assert InboundMessage.objects.filter(control_id=first["control"]).count() == 1


def test_cross_member_site_is_rejected(world, channel, person):
    ack = send(nw(world, person, "P600", site=world.site_b.code))
    assert ack["code"] == "AE" and "autre membre" in ack["text"]
    assert not Order.objects.filter(placer_number="P600").exists()
    assert InboundMessage.objects.get(control_id=ack["control"]).state == "rejected"


def test_other_members_order_cannot_be_cancelled(world, channel, person):
    from pimm.interop.models import Channel

    other = Channel.objects.create(
        name="SIH B",
        kind="hl7",
        member=world.member_b,
        sending_application="HIS-B",
        sending_facility="FAC-B",
    )
    other.sites.set([world.site_b])
    text = s.order("HIS-B", "FAC-B", control_id(), person, placer="P700", site=world.site_b.code)
    assert send(text)["code"] == "AA"
    ack = send(nw(world, person, "P700", control="CA"))  # member A's HIS cancels B's order
    assert ack["code"] == "AE" and "inconnue" in ack["text"]
    assert Order.objects.get(placer_number="P700").exams.get().status == "scheduled"


def test_unknown_sender_and_address(world, channel, person):
    text = s.order("INCONNU", "X", control_id(), person, placer="P800", site=world.site_a.code)
    ack = send(text)
    assert ack["code"] == "AR" and "Émetteur inconnu" in ack["text"]
    channel.allowed_addresses = "10.0.0.0/8\n192.168.1.7"
    channel.save()
    ack = send(nw(world, person, "P801"), peer="127.0.0.1")
    assert ack["code"] == "AR" and "non autorisée" in ack["text"]
    assert send(nw(world, person, "P802"), peer="10.1.2.3")["code"] == "AA"


def test_unsupported_type_is_ar(world, channel, person):
    text = s.adt(APP, FAC, control_id(), person).replace("ADT^A04^ADT_A01", "ADT^A99^ADT_A01")
    ack = send(text)
    assert ack["code"] == "AR" and ack["err"] == "201"


def test_adt_keeps_identity_ins_only_when_qualified(world, channel):
    p = s.Person(
        ipp="IPP-Q1",
        family="MARTIN",
        given="ALAIN",
        born="19530702",
        ins="253072B07300470",
        qualified=False,
    )
    assert send(s.adt(APP, FAC, control_id(), p, event="A01"))["code"] == "AA"
    patient = PatientIdentifier.objects.get(member=world.member_a, ipp="IPP-Q1").patient
    assert patient.nir == "" and patient.family_name == "MARTIN"
    p.qualified, p.given = True, "ALAN"
    assert send(s.adt(APP, FAC, control_id(), p, event="A08"))["code"] == "AA"
    patient.refresh_from_db()
    assert patient.nir == "253072B07300470" and patient.given_name == "ALAN"
    assert str(patient).startswith("PAT-")  # the pseudonym is what others see


def test_qualified_identity_with_bad_ins_is_refused(world, channel):
    p = s.Person(ipp="IPP-Q2", ins="253072B07300471", qualified=True)
    ack = send(s.adt(APP, FAC, control_id(), p))
    assert ack["code"] == "AE" and "INS invalide" in ack["text"]
    assert not PatientIdentifier.objects.filter(ipp="IPP-Q2").exists()


def test_a40_merges_and_moves_orders(world, channel):
    old, new = s.Person(ipp="IPP-OLD", family="ROUX"), s.Person(ipp="IPP-NEW", family="ROUX")
    assert send(nw(world, old, "P900"))["code"] == "AA"
    assert send(s.adt(APP, FAC, control_id(), new))["code"] == "AA"
    ack = send(s.merge(APP, FAC, control_id(), new, "IPP-OLD"))
    assert ack["code"] == "AA", ack
    survivor = PatientIdentifier.objects.get(ipp="IPP-NEW").patient
    order = Order.objects.get(placer_number="P900")
    assert order.patient == survivor and order.exams.get().patient == survivor
    assert PatientIdentifier.objects.get(ipp="IPP-OLD").patient == survivor
    ack = send(s.merge(APP, FAC, control_id(), new, "IPP-NOBODY"))
    assert ack["code"] == "AE" and "inconnu" in ack["text"]


def test_unknown_modality_and_missing_accession(world, channel, person):
    ack = send(nw(world, person, "P1000", exams=[s.Requested("ACC1", "US")]))
    assert ack["code"] == "AE" and "Modalité" in ack["text"] and ack["err"] == "103"
    ack = send(nw(world, person, "P1001", exams=[s.Requested("", "CT")]))
    assert ack["code"] == "AE" and "accession" in ack["text"] and ack["err"] == "101"
