"""Routing inputs kept in memory per process (``worklist.inputs``) follow the database: every
change to a reader, a privilege, a presence or a rota is seen by the next decision, a change
committed by another process too, and the compiled queries give what the ORM gives."""

from django.db.models import F

from pimm.oncall import models as om
from pimm.oncall.services import presence as oncall_presence
from pimm.worklist import adapter, inputs, services
from pimm.worklist import models as w
from tests.worklist.conftest import T0, minutes
from tests.worklist.test_duty_source import NIGHT, _rota


def _readers_at(site, now) -> set[str]:
    known = inputs.current(now)
    available = known.available_at(inputs.naive(now))
    return {r for r in known.site_readers.get(str(site.pk), ()) if r in available}


def test_a_presence_saved_or_deleted_is_seen_at_once(world, make_reader):
    reader = make_reader(world.member_a, [world.site_a])
    assert str(reader.pk) not in _readers_at(world.site_a, T0)  # loaded, and cached
    presence = oncall_presence.presence_create(
        practitioner=reader, start=T0 - minutes(30), end=T0 + minutes(60), site=world.site_a
    )
    assert str(reader.pk) in _readers_at(world.site_a, T0)
    assert str(reader.pk) not in _readers_at(world.site_a, T0 + minutes(61))  # ended
    oncall_presence.presence_delete(presence=presence)
    assert str(reader.pk) not in _readers_at(world.site_a, T0)


def test_privileges_competences_and_activity_are_followed(world, make_reader):
    reader = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(10))
    assert str(reader.pk) in _readers_at(world.site_a, T0)
    reader.sites.add(world.site_b)  # m2m: no post_save
    assert str(reader.pk) in _readers_at(world.site_b, T0)
    reader.sites.remove(world.site_a)
    assert str(reader.pk) not in _readers_at(world.site_a, T0)
    reader.competences = ["neuro"]
    reader.save()
    assert inputs.current(T0).readers[str(reader.pk)].competences == frozenset({"neuro"})
    reader.active = False
    reader.save()
    assert str(reader.pk) not in inputs.current(T0).readers


def test_a_published_rota_is_followed(world, make_reader):
    reader = make_reader(world.member_a, [world.site_a])
    now = NIGHT + minutes(60)
    assert str(reader.pk) not in inputs.current(now).available_at(inputs.naive(now))
    _rota(world, reader, "published")
    available = inputs.current(now).available_at(inputs.naive(now))
    assert available[str(reader.pk)].kind == "duty"


def test_a_change_committed_by_another_process_is_seen(world, make_reader):
    """Another process writes in bulk (no signal here) and replaces the generation: this
    process's next decision reloads. Without the new generation it would not."""
    reader = make_reader(world.member_a, [world.site_a])
    before = inputs.current(T0)
    om.ReaderPresence.objects.bulk_create(
        [om.ReaderPresence(practitioner=reader, site=world.site_a, start=T0, end=T0 + minutes(60))]
    )
    assert inputs.current(T0) is before  # same generation: the cached inputs are kept
    assert str(reader.pk) not in _readers_at(world.site_a, T0)
    w.RoutingGeneration.objects.filter(pk=1).update(value=F("value") + 7)  # "another process"
    assert inputs.current(T0) is not before
    assert str(reader.pk) in _readers_at(world.site_a, T0)


def test_inputs_reload_when_now_leaves_the_window(world, make_reader):
    reader = make_reader(world.member_a, [world.site_a])
    first = inputs.current(T0)
    later = T0 + inputs.WINDOW_AFTER + minutes(1)
    oncall_presence.presence_create(  # far ahead: within the window loaded at ``later`` only
        practitioner=reader, start=later - minutes(5), end=later + minutes(60), site=world.site_a
    )
    assert inputs.current(later) is not first
    assert str(reader.pk) in _readers_at(world.site_a, later)


def test_compiled_queries_give_what_the_orm_gives(world, make_reader, make_exam):
    readers = [
        make_reader(world.member_a, [world.site_a, world.site_b], present_from=T0 - minutes(5))
        for _ in range(3)
    ]
    for i, reader in enumerate(readers):
        for j in range(i + 1):
            exam = make_exam(world.site_b if j % 2 else world.site_a, "emergency", critical=j == 1)
            assert services.exam_assign(
                exam_id=exam.pk, reader_id=reader.pk, expected_version=0, at=T0 + minutes(j)
            )
            if j == 0:
                services.exam_open(exam=exam, reader=reader, at=T0 + minutes(2))
    waiting = make_exam(world.site_a, "inpatient")
    for site in (world.site_a, world.site_b):
        orm = list(
            w.Assignment.objects.filter(
                ended_at__isnull=True, exam__status=w.Exam.Status.ASSIGNED, reader__sites=site
            )
            .order_by("assigned_at", "pk")
            .values_list("reader_id", "assigned_at", "opened_at", *adapter.EXAM_FIELDS)
        )
        assert len(orm) == 6
        assert adapter.held_on_site(site.pk) == orm
        assert any(row[2] is not None and row[2].tzinfo is not None for row in orm)
    version, exam = adapter.exam_to_route(waiting.pk)
    loaded = w.Exam.objects.select_related("patient", "priority").get(pk=waiting.pk)
    assert (version, exam) == (loaded.routing_version, adapter.engine_exam(loaded))
    held = w.Assignment.objects.filter(reader=readers[0], ended_at__isnull=True).first()
    assert adapter.exam_to_route(held.exam_id) is None  # assigned: not an exam to route
