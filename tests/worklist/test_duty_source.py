"""Who may read comes from the published on-call rota (oncall) and the presence plan."""

import datetime as dt

import pytest
from django.utils import timezone

from pimm.oncall import models as om
from pimm.oncall import selectors as oncall
from pimm.oncall.models import OnCallLine, Rota, RotaAssignment, RotaShift
from pimm.oncall.services import presence as oncall_presence
from pimm.worklist import inputs, services
from pimm.worklist import models as w
from tests import clock
from tests.worklist.conftest import reload

NIGHT = timezone.make_aware(dt.datetime(2030, 1, 14, 18, 30))
MORNING = NIGHT + dt.timedelta(hours=14)
S = w.Exam.Status


def _rota(world, practitioner, status, remote=True, competence=""):
    line = OnCallLine.objects.create(
        platform=world.platform,
        code=f"T{status[:3]}",
        name="Garde de test",
        categories=["weeknight"],
        remote_allowed=remote,
        competence=competence,
    )
    line.sites.set([world.site_a])
    rota = Rota.objects.create(
        platform=world.platform, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 31), status=status
    )
    shift = RotaShift.objects.create(
        rota=rota,
        line=line,
        key=f"{line.code}-2030-01-14",
        date=dt.date(2030, 1, 14),
        category="weeknight",
        starts_at=NIGHT,
        ends_at=MORNING,
    )
    RotaAssignment.objects.create(shift=shift, practitioner=practitioner)
    return rota


def test_published_rota_puts_a_radiologist_on_duty_without_presence_row(
    world, make_reader, make_exam
):
    reader = make_reader(world.member_a, [world.site_a], ("general",))
    _rota(world, reader, Rota.Status.PUBLISHED)
    assert not om.ReaderPresence.objects.filter(practitioner=reader).exists()
    at = NIGHT + dt.timedelta(hours=4)
    duty = oncall.on_duty_at(when=at)
    assert [(d.practitioner_id, d.site_ids, d.remote_allowed) for d in duty] == [
        (reader.pk, (world.site_a.pk,), True)
    ]
    assert inputs.duty_source(at)[str(reader.pk)].kind == "duty"
    exam = make_exam(world.site_a, "emergency", "general", at=at)
    d = services.exam_route(exam_id=exam.pk, now=at)
    assert (d.kind, d.reader_id) == ("assign", str(reader.pk))
    assert reload(exam).status == S.ASSIGNED
    # after the shift the rota no longer counts
    assert str(reader.pk) not in inputs.duty_source(MORNING)


@pytest.mark.parametrize("status", [Rota.Status.DRAFT, Rota.Status.SUPERSEDED])
def test_unpublished_rota_does_not_count(world, make_reader, make_exam, status):
    reader = make_reader(world.member_a, [world.site_a], ("general",))
    _rota(world, reader, status)
    at = NIGHT + dt.timedelta(hours=4)
    assert oncall.on_duty_at(when=at) == []
    exam = make_exam(world.site_a, "emergency", "general", at=at)
    d = services.exam_route(exam_id=exam.pk, now=at)
    assert d.kind == "escalate" and d.reader_id is None
    assert reload(exam).status == S.IMAGES_AVAILABLE


def test_on_duty_wins_over_presence_and_the_line_site_is_kept(world, make_reader):
    reader = make_reader(world.member_a, [world.site_a, world.site_b], ("general",))
    _rota(world, reader, Rota.Status.PUBLISHED, remote=False)
    oncall_presence.presence_create(
        practitioner=reader,
        start=NIGHT - dt.timedelta(hours=10),
        end=NIGHT + dt.timedelta(hours=2),
        site=world.site_b,
    )
    before = inputs.duty_source(NIGHT - dt.timedelta(hours=1))[str(reader.pk)]
    during = inputs.duty_source(NIGHT + dt.timedelta(hours=1))[str(reader.pk)]
    assert (before.kind, before.site) == ("present", str(world.site_b.pk))
    assert (during.kind, during.site) == ("duty", str(world.site_a.pk))


def test_a_line_duty_reads_the_line_sites_only(world, make_reader, make_exam):
    """On a rota line covering site A, a radiologist privileged on A and B reads A's
    emergencies; B's belong to B's line (here nobody: escalated, never sent to A's duty)."""
    reader = make_reader(world.member_a, [world.site_a, world.site_b], ("general",))
    _rota(world, reader, Rota.Status.PUBLISHED)  # remote reading, line sites: A
    at = NIGHT + dt.timedelta(hours=3)
    on_b = make_exam(world.site_b, "emergency", "general", at=at)
    d = services.exam_route(exam_id=on_b.pk, now=at)
    assert (d.kind, d.reader_id) == ("escalate", None)
    on_a = make_exam(world.site_a, "emergency", "general", at=at)
    d = services.exam_route(exam_id=on_a.pk, now=at)
    assert (d.kind, d.reader_id) == ("assign", str(reader.pk))
    # the tick (the whole state) agrees: B's exam still waits
    services.worklist_tick(now=at + dt.timedelta(minutes=1))
    assert reload(on_b).status == S.IMAGES_AVAILABLE
    # in the day, present, the same radiologist reads both sites
    oncall_presence.presence_create(
        practitioner=reader, start=MORNING, end=MORNING + dt.timedelta(hours=8), site=world.site_b
    )
    services.worklist_tick(now=MORNING + dt.timedelta(minutes=5))
    assert reload(on_b).reader_id == reader.pk


def test_demo_fills_the_worklist_through_the_published_rota(db):
    from pimm.demo.generator import generate
    from pimm.worklist.demo import DEMO_READER, NEAR, load_worklist_demo
    from tests.worklist import demo_day

    now = clock.at(clock.day(1, 12), 23)  # a night of next month's published rota
    night = oncall.on_duty_at(when=now)
    assert night, "the demo publishes this month and the next"
    holders = {d.practitioner_id for d in night}
    # the session's demo day, replaced by a published night
    demo_day.clear(w.Communication, w.CriticalFinding, w.Report, w.Exam, om.ReaderPresence)
    assert load_worklist_demo(generate(seed=7), now=now) > 0
    # the night's line duties come from the published rota, not from presence rows (the demo
    # login alone reads all day through a presence row)
    assert not (
        om.ReaderPresence.objects.filter(on_duty=True, start__lte=now, end__gt=now)
        .exclude(practitioner__user__username=DEMO_READER)
        .exists()
    )
    assert {str(h) for h in holders} <= set(inputs.duty_source(now))
    night_readers = set(
        w.Exam.objects.filter(
            priority__code__in=("emergency", "life_threatening"),
            ready_at__gte=now - dt.timedelta(hours=3),
            reader__isnull=False,
        ).values_list("reader_id", flat=True)
    )
    # the demo's day is replayed shifted by up to ``NEAR`` so that it ends now: a reader present
    # until 18:00 may have taken an exam that reads as ready at 20:00
    present = set(
        om.ReaderPresence.objects.filter(end__gt=now - dt.timedelta(hours=4) - NEAR).values_list(
            "practitioner_id", flat=True
        )
    )
    assert night_readers & holders
    assert night_readers <= holders | present
