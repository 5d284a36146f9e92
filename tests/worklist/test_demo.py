"""The demo fills the worklist through the simulation so that the demo radiologist has exams to
read whatever the hour it is loaded at (the e2e test depends on it)."""

import datetime as dt

import pytest
from django.utils import timezone

from pimm.demo.generator import generate
from pimm.oncall import models as om
from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist.demo import DEMO_READER, load_worklist_demo


@pytest.mark.parametrize(
    "when", [(23, 3), (23, 12), (23, 19), (23, 22), (29, 22)], ids=lambda x: f"{x[0]}-{x[1]}h"
)
def test_demo_reader_has_exams_to_read_at_any_hour(db, when):
    day, hour = when  # 23/11/2026 a Monday, 29/11/2026 a Sunday
    now = timezone.make_aware(dt.datetime(2026, 11, day, hour, 30))
    for model in (w.Communication, w.CriticalFinding, w.Report, w.Exam, om.ReaderPresence):
        model.objects.all().delete()  # the session's demo day
    assert load_worklist_demo(generate(seed=7), now=now) > 0
    reader = m.Practitioner.objects.get(user__username=DEMO_READER)
    held = w.Exam.objects.filter(reader=reader, status__in=(w.Exam.Status.ASSIGNED,))
    assert held.count() >= 1
    assert not held.filter(ready_at__gt=now).exists()  # nothing from the future
