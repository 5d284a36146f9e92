"""Routing through the services: competence, privilege, duty, own member first, escalation,
off-duty re-routing, re-routing after the open delay, concurrent claims (one wins)."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.html import escape

from pimm.oncall import models as om
from pimm.oncall.services import presence as oncall_presence
from pimm.worklist import models as w
from pimm.worklist import selectors, services
from tests.worklist.conftest import T0, active, minutes, reload

S = w.Exam.Status


def test_competence_privilege_and_duty_decide(world, make_reader, make_exam):
    site = world.site_a
    general = make_reader(world.member_a, [site], ("general",), present_from=T0 - minutes(60))
    make_reader(
        world.member_a, [world.site_b], ("neuro",), present_from=T0 - minutes(60)
    )  # no privilege
    make_reader(world.member_a, [site], ("neuro",))  # competent, not present
    neuro = make_reader(world.member_a, [site], ("neuro",), present_from=T0 - minutes(60))
    exam = make_exam(site, "outpatient", "neuro")
    d = services.exam_route(exam_id=exam.pk, now=T0)
    assert d.kind == "assign"
    assert reload(exam).reader_id == neuro.pk
    assert reload(exam).status == S.ASSIGNED
    plain = make_exam(site, "outpatient", "general")
    services.exam_route(exam_id=plain.pk, now=T0)
    assert reload(plain).reader_id == general.pk
    assert [e.to_status for e in exam.events.all()] == [S.SCHEDULED, S.IMAGES_AVAILABLE, S.ASSIGNED]


def test_private_group_exams_go_to_its_own_radiologists_first(world, make_reader, make_exam):
    assert world.member_b.kind == "private_group"
    pool = make_reader(world.member_a, [world.site_b], present_from=T0 - minutes(60))
    own = make_reader(world.member_b, [world.site_b], present_from=T0 - minutes(60))
    exams = [make_exam(world.site_b) for _ in range(2)]
    for e in exams:
        services.exam_route(exam_id=e.pk, now=T0)
    assert {reload(e).reader_id for e in exams} == {own.pk}
    assert pool.pk != own.pk


def test_exam_nobody_can_read_is_escalated_and_never_lost(
    world, make_reader, make_exam, client_for
):
    make_reader(world.member_a, [world.site_a], ("general",), present_from=T0 - minutes(60))
    exam = make_exam(world.site_a, "emergency", "interventional")
    d = services.exam_route(exam_id=exam.pk, now=T0)
    assert d.kind == "escalate"
    exam = reload(exam)
    assert exam.status == S.IMAGES_AVAILABLE and exam.escalated_at == T0
    assert exam in selectors.escalations()
    page = client_for("coordinator").get("/lecture/coordination/")
    assert f"Examen {exam.pk}</a>" in page.content.decode()
    # the tick keeps it visible, then routes it as soon as a competent reader is present
    services.worklist_tick(now=T0 + minutes(5))
    assert reload(exam).status == S.IMAGES_AVAILABLE
    ir = make_reader(
        world.member_a, [world.site_a], ("interventional",), present_from=T0 + minutes(8)
    )
    services.worklist_tick(now=T0 + minutes(10))
    assert reload(exam).reader_id == ir.pk
    assert exam in selectors.escalations()  # still listed until signed


def test_reader_going_off_duty_has_queue_rerouted(world, make_reader, make_exam):
    a = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60), hours=1.5)
    exam = make_exam(world.site_a, "inpatient")
    services.exam_route(exam_id=exam.pk, now=T0)
    assert reload(exam).reader_id == a.pk
    b = make_reader(world.member_a, [world.site_a], present_from=T0 + minutes(20))
    services.worklist_tick(now=T0 + minutes(25))  # A still present: nothing moves
    assert reload(exam).reader_id == a.pk
    services.worklist_tick(now=T0 + minutes(31))  # A left at T0+30
    assert reload(exam).reader_id == b.pk
    assert w.Assignment.objects.filter(exam=exam).count() == 2
    assert active(exam).reader_id == b.pk


def test_a_presence_removed_or_cut_short_moves_the_queue_at_once(world, make_reader, make_exam):
    """The coordinator removes a reader's presence (called away): their unopened exams go to
    another reader in the same request, the one they opened stays with them."""
    a = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    first, second = (make_exam(world.site_a, "inpatient") for _ in range(2))
    for exam in (first, second):
        services.exam_route(exam_id=exam.pk, now=T0)
        assert reload(exam).reader_id == a.pk
    services.exam_open(exam=first, reader=a, at=T0 + minutes(1))
    b = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    presence = om.ReaderPresence.objects.get(practitioner=a)
    oncall_presence.presence_delete(presence=presence, now=T0 + minutes(5))
    assert reload(second).reader_id == b.pk  # no tick in between
    assert reload(first).reader_id == a.pk  # being read: not taken away
    # cut short: the same for a presence whose end is moved before now
    third = make_exam(world.site_a, "inpatient")
    services.exam_route(exam_id=third.pk, now=T0 + minutes(6))
    assert reload(third).reader_id == b.pk
    c = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    mine = om.ReaderPresence.objects.get(practitioner=b)
    oncall_presence.presence_update(
        presence=mine,
        practitioner=b,
        start=mine.start,
        end=T0 + minutes(7),
        site=world.site_a,
        now=T0 + minutes(8),
    )
    assert reload(third).reader_id == c.pk


def test_rerouted_after_open_delay(world, make_reader, make_exam):
    a = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    long_read = make_exam(world.site_a, "emergency", work_units=5.0)
    services.exam_route(exam_id=long_read.pk, now=T0)
    services.exam_open(exam=reload(long_read), reader=a, at=T0)
    x = make_exam(world.site_a, "emergency", at=T0 + minutes(1))
    services.exam_route(exam_id=x.pk, now=T0 + minutes(1))
    assert reload(x).reader_id == a.pk
    b = make_reader(world.member_a, [world.site_a], present_from=T0 + minutes(5))
    services.worklist_tick(now=T0 + minutes(8))  # open delay (10 min) not reached
    assert reload(x).reader_id == a.pk
    services.worklist_tick(now=T0 + minutes(12))
    assert reload(x).reader_id == b.pk
    assert active(x).rule == "open_delay_reroute"
    assert reload(long_read).reader_id == a.pk  # opened: stays


def test_same_patient_goes_to_same_reader(world, make_reader, make_exam):
    make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    first = make_exam(world.site_a)
    services.exam_route(exam_id=first.pk, now=T0)
    second = make_exam(world.site_a, patient=first.patient)
    services.exam_route(exam_id=second.pk, now=T0)
    assert reload(second).reader_id == reload(first).reader_id


def test_conditional_claim_one_wins_sequential(world, make_reader, make_exam):
    a = make_reader(world.member_a, [world.site_a])
    b = make_reader(world.member_a, [world.site_a])
    exam = make_exam(world.site_a)
    v = reload(exam).routing_version
    assert services.exam_assign(exam_id=exam.pk, reader_id=a.pk, expected_version=v, at=T0)
    assert not services.exam_assign(exam_id=exam.pk, reader_id=b.pk, expected_version=v, at=T0)
    assert w.Assignment.objects.filter(exam=exam).count() == 1
    assert reload(exam).reader_id == a.pk


def test_technologist_moves_exam_until_routed(world, make_reader, make_exam, classes, client_for):
    reader = make_reader(world.member_a, [world.site_a])
    patient = services.patient_get_or_create(
        family_name="Flux", given_name="T", birth_date=T0.date(), nir="123"
    )
    order = services.order_create(
        patient=patient, site=world.site_a, priority=classes["outpatient"]
    )
    exam = services.exam_create(order=order, modality="CT")
    client = client_for("technologist_a")
    for step in (S.ARRIVED, S.IN_PROGRESS, S.PERFORMED):
        assert client.post(f"/lecture/examens/{exam.pk}/statut/", {"to": step}).status_code == 302
        assert reload(exam).status == step
    with pytest.raises(services.WorklistError):
        services.exam_transition(exam=exam, to=S.SIGNED)
    assert reader.pk


def test_signing_pulls_waiting_work_to_the_reader_at_once(world, make_reader, make_exam):
    a = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    full = make_exam(world.site_a, "inpatient", work_units=6.0)
    services.exam_route(exam_id=full.pk, now=T0)
    waiting = make_exam(world.site_a, "inpatient", at=T0 + minutes(1))
    d = services.exam_route(exam_id=waiting.pk, now=T0 + minutes(1))
    assert (d.kind, d.rule) == ("hold", "caps_reached")
    assert reload(waiting).status == S.IMAGES_AVAILABLE
    services.exam_open(exam=reload(full), reader=a, at=T0 + minutes(2))
    services.report_save(exam=reload(full), reader=a, text="RAS")
    services.report_sign(exam=reload(full), reader=a, at=T0 + minutes(20))
    assert reload(waiting).status == S.IMAGES_AVAILABLE  # signing alone moves nothing
    assert services.reader_pull(reader=a, now=T0 + minutes(20)) == 1
    assert (reload(waiting).status, reload(waiting).reader_id) == (S.ASSIGNED, a.pk)


def test_published_duty_ending_reroutes_the_queue(world, make_reader, make_exam):
    from tests.worklist.test_duty_source import MORNING, _rota

    night = make_reader(world.member_a, [world.site_a])
    _rota(world, night, "published")
    exam = make_exam(world.site_a, "emergency", at=MORNING - minutes(5))
    services.exam_route(exam_id=exam.pk, now=MORNING - minutes(5))
    assert reload(exam).reader_id == night.pk
    day = make_reader(world.member_a, [world.site_a], present_from=MORNING, duty=True)
    services.worklist_tick(now=MORNING + minutes(1))  # the night holder's shift is over
    assert reload(exam).reader_id == day.pk
    ended = w.Assignment.objects.get(exam=exam, reader=night)
    assert ended.ended_at == MORNING + minutes(1)
    assert active(exam).reader_id == day.pk


def test_reader_queue_lists_exams_in_the_routers_reading_order(world, make_reader, make_exam):
    from pimm.worklist import selectors

    reader = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    made = {
        "inpatient": make_exam(world.site_a, "inpatient"),
        "long emergency": make_exam(world.site_a, "emergency", work_units=3.0),
        "short emergency": make_exam(world.site_a, "emergency", work_units=1.0),
        "life-threatening": make_exam(world.site_a, "life_threatening", work_units=2.0),
        "critical outpatient": make_exam(world.site_a, "outpatient", critical=True),
    }
    for exam in made.values():
        assert services.exam_assign(exam_id=exam.pk, reader_id=reader.pk, expected_version=0, at=T0)
    order = {e.pk: name for name, e in made.items()}
    assert [order[e.pk] for e in selectors.reader_queue(reader=reader)] == [
        "critical outpatient",
        "life-threatening",
        "short emergency",
        "long emergency",
        "inpatient",
    ]


def test_waiting_and_escalation_reasons_name_the_site_in_the_readers_language(
    world, make_reader, make_exam, client_for
):
    make_reader(world.member_a, [world.site_a], ("general",), present_from=T0 - minutes(60))
    exam = make_exam(world.site_a, "emergency", "interventional")
    services.exam_route(exam_id=exam.pk, now=T0)
    exam = reload(exam)
    assert exam.escalation_rule == exam.waiting_rule == "no_competent_reader"
    coordinator = client_for("coordinator")
    for url in (f"/lecture/examens/{exam.pk}/", "/lecture/coordination/"):
        french = coordinator.get(url).content.decode()
        assert f"sur le site {escape(world.site_a.name)} : examen" in french
        assert f"sur le site {world.site_a.pk} " not in french  # a name, not an id
        english = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"privileges at site {escape(world.site_a.name)}: " in english
        assert "Aucun radiologue" not in english
    # a deadline escalation of an exam nobody holds says so
    outpatient = make_exam(world.site_a, "inpatient", "interventional")
    services.exam_route(exam_id=outpatient.pk, now=T0)
    services.worklist_tick(now=T0 + dt.timedelta(hours=15))
    outpatient = reload(outpatient)
    assert outpatient.escalation_rule == "deadline_risk_waiting"
    with translation.override("fr"):
        assert "examen en attente, aucun lecteur disponible" in outpatient.escalation_text
    with translation.override("en"):
        assert "exam waiting, no reader available" in outpatient.escalation_text


def test_every_rule_of_the_router_has_a_sentence(world, make_exam):
    """Rules the router writes (plain, own member / pool, fallback, late, grouping yield,
    re-routes) are explained in words, with the competence's label, never as a code."""
    from pimm.worklist import reasons

    exam = make_exam(world.site_a, "emergency", "neuro")
    with translation.override("fr"):
        for rule in (
            "duty",
            "present",
            "own_member_duty",
            "pool_present_fallback",
            "pool_duty_fallback_late",
            "grouping_yield_duty_late",
            "patient_grouping",
            "idle_rebalance",
            "open_delay_reroute",
            "deadline_risk_reroute",
            "no_competent_reader",
            "wait_present",
            "caps_reached",
            "deadline_risk",
            "deadline_risk_waiting",
            "escalate:no_competent_reader",
        ):
            text = reasons.explain(rule, exam)
            assert text and rule not in text, rule
        assert "Neuroradiologie" in reasons.explain("pool_present_fallback", exam)
        assert reasons.explain("pool_duty_fallback_late", exam).endswith("dépassée")
        assert reasons.explain("manual", exam) is None  # the stored note is shown
