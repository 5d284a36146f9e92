"""The demo fills the worklist through the simulation so that the demo radiologist has exams in
every state of the reading flow (waiting in their queue, open with a draft, signed) whatever the
hour it is loaded at: night, evening, Sunday, public holiday, 29 February, both DST days."""

import pytest

from pimm.demo.generator import generate
from pimm.oncall import models as om
from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist.demo import DEMO_READER, load_worklist_demo
from tests import clock
from tests.worklist import demo_day


@pytest.mark.parametrize("instant", list(clock.HARD_INSTANTS))
def test_demo_reader_has_exams_in_every_state_at_any_hour(db, instant):
    now = clock.parse(clock.HARD_INSTANTS[instant])
    demo_day.clear(  # the session's demo day, all of it
        w.Communication,
        w.CriticalFinding,
        w.AccessLog,
        w.Report,
        w.Assignment,
        w.ExamEvent,
        w.Exam,
        w.Order,
        om.ReaderPresence,
    )
    assert load_worklist_demo(generate(seed=7, today=now.date()), now=now) > 0
    reader = m.Practitioner.objects.get(user__username=DEMO_READER)
    mine = w.Exam.objects.filter(reader=reader)
    held = mine.filter(status=w.Exam.Status.ASSIGNED)
    assert held.count() >= 2
    assert not mine.filter(ready_at__gt=now).exists()  # nothing from the future
    opened = held.filter(report__status=w.Report.Status.DRAFT)
    assert opened.count() == 1
    assert mine.filter(status=w.Exam.Status.SIGNED, report__signed_at__lte=now).exists()
