"""``adapter.ExamRouting`` (the slice of the state ``exam_route`` loads) takes the same decision
as the engine's router on the full state rebuilt from the database (``adapter.Routing``)."""

import random

import pytest

from pimm.worklist import adapter, services
from pimm.worklist import models as w
from tests.worklist.conftest import T0, minutes
from tests.worklist.test_duty_source import NIGHT, _rota

PRIORITIES = ("life_threatening", "emergency", "inpatient", "outpatient")


def _decision(d) -> tuple:
    return (d.kind, d.reader_id, d.rule, d.reason)


@pytest.mark.parametrize("night", [False, True], ids=["day-presence", "night-rota"])
def test_slice_decides_like_the_full_state(world, make_reader, make_exam, night):
    """At night one reader is on duty by the published rota only (no presence row)."""
    now = NIGHT + minutes(60) if night else T0
    rng = random.Random(7)
    sites = [world.site_a, world.site_b]
    readers = []
    for i in range(10):
        member = world.member_a if i % 2 else world.member_b
        privileges = rng.sample(sites, rng.choice((1, 2)))
        competences = rng.choice([("general",), ("neuro",), ("general", "neuro"), ("msk",)])
        present = i != 9 and not (night and i == 0)  # one competent reader is absent
        readers.append(
            make_reader(
                member,
                privileges,
                competences,
                present_from=now - minutes(60) if present else None,
                duty=i in (0, 3),
            )
        )
    if night:
        _rota(world, readers[0], "published")
    # a week of emergencies before: the demand the router spares readers for (cancelled, so
    # that they are history only)
    past = [
        make_exam(
            rng.choice(sites),
            rng.choice(("emergency", "life_threatening")),
            rng.choice(("general", "neuro", "msk")),
            at=now - minutes(90 * (k + 1)),
        )
        for k in range(30)
    ]
    w.Exam.objects.filter(pk__in=[e.pk for e in past]).update(status=w.Exam.Status.CANCELLED)
    # queues: exams held by present readers, some already opened
    held = []
    for _ in range(14):
        reader = rng.choice(readers[:9])
        site = rng.choice(list(reader.sites.all()))
        exam = make_exam(
            site, rng.choice(PRIORITIES), rng.choice(reader.competences), work_units=1.5
        )
        assert services.exam_assign(
            exam_id=exam.pk, reader_id=reader.pk, expected_version=0, at=now - minutes(10)
        )
        if rng.random() < 0.3:
            services.exam_open(exam=exam, reader=reader, at=now - minutes(5))
        held.append(exam)
    kinds, chosen = set(), set()
    for i in range(40):
        site, competence = rng.choice(sites), rng.choice(["general", "neuro", "msk", "cardiac"])
        patient = None
        if i % 4 == 0:  # another exam of a patient whose first exam is held
            first = rng.choice(held)
            site, competence, patient = first.site, first.competence, first.patient
        exam = make_exam(
            site,
            rng.choice(PRIORITIES),
            competence,
            patient=patient,
            at=now,
            critical=i % 7 == 0,
        )
        exam = w.Exam.objects.select_related("patient", "priority").get(pk=exam.pk)
        full = adapter.Routing(now)
        assert full.decisions == []  # nobody went off duty: nothing re-routed first
        sliced = adapter.ExamRouting(adapter.engine_exam(exam), exam.routing_version, now)
        assert sum(sliced.state.emergency_seen.values()) >= 30  # the history is seeded
        # what the slice knows of readers elsewhere is what the whole state knows
        for r in sliced.state.readers:
            assert sliced.state.coverage_harm(r) == pytest.approx(full.state.coverage_harm(r))
            assert sliced.state.emergency_need(r) == pytest.approx(full.state.emergency_need(r))
        expected = full.route(exam)
        got = sliced.route()
        assert _decision(got) == _decision(expected), exam
        kinds.add(got.rule)
        chosen.add(got.reader_id)
        # write it, so the next exam sees the queues grow
        services.decisions_apply(decisions=[got], versions={got.exam_id: 0}, at=now)
    # the comparison went through several rules and readers, not one trivial case
    assert "patient_grouping" in kinds
    if night:
        assert str(readers[0].pk) in chosen  # the rota's reader was routed to
    assert len(kinds) >= 4 and len(chosen - {None}) >= 4
