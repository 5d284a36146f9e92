"""Rota services on the demo PIMM: generate, lock, publish, revise, infeasible, swaps, locking.

Every rota a test produces goes through the engine's independent checker (``assert_legal``).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pimm.accounts import engine_text
from pimm.accounts.models import AuditEvent
from pimm.engine.rota.checker import GiveAway, Swap, check_change
from pimm.oncall import services
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import (
    PointBalance,
    Rota,
    RotaAssignment,
    RotaShift,
    RotaSolve,
    SwapRequest,
    Unavailability,
)
from pimm.registry.models import Member, Practitioner
from tests import clock

from .conftest import assert_legal, holders

pytestmark = pytest.mark.django_db
FREE = (clock.month_start(2), clock.month_end(2))  # after the demo's two published months


def _generate(coordinator, rota, seconds=3.0):
    run = services.rota_solve_start(
        actor=coordinator, rota=rota, expected_version=rota.version, time_limit=seconds
    )
    rota.refresh_from_db()
    return run


def test_generate_a_month_lock_regenerate_and_publish(world, coordinator, published):
    rota = services.rota_create(
        actor=coordinator, platform=world.platform, start=FREE[0], end=FREE[1]
    )
    assert rota.status == Rota.Status.DRAFT
    assert rota.shifts.filter(category="weekend_day").exists()
    run = _generate(coordinator, rota)
    assert (run.status, rota.status) == (RotaSolve.Status.DONE, Rota.Status.READY)
    assert run.seconds > 0  # objective and bound too, unless the greedy fallback was kept
    assert_legal(rota)
    # lock one cell, re-generate: the locked cell keeps its practitioner
    cell = RotaAssignment.objects.filter(shift__rota=rota).order_by("shift__starts_at").first()
    services.rota_cell_lock(
        actor=coordinator, rota=rota, shift=cell.shift, locked=True, expected_version=rota.version
    )
    rota.refresh_from_db()
    _generate(coordinator, rota)
    cell.refresh_from_db()
    assert cell.locked is True
    assert_legal(rota)
    services.rota_publish(actor=coordinator, rota=rota, expected_version=rota.version)
    rota.refresh_from_db()
    assert rota.status == Rota.Status.PUBLISHED
    published.refresh_from_db()
    assert published.status == Rota.Status.PUBLISHED  # this month does not overlap that one
    earned = sum(PointBalance.objects.filter(year=FREE[0].year).values_list("earned", flat=True))
    assert earned > 0
    assert AuditEvent.objects.filter(model="rota", object_id=str(rota.pk)).exists()


def test_stop_keeps_the_best_rota_found(world, coordinator):
    rota = services.rota_create(
        actor=coordinator,
        platform=world.platform,
        start=FREE[0],
        end=FREE[0] + dt.timedelta(days=13),
    )
    run = RotaSolve.objects.create(rota=rota, time_limit=30, stop_requested=True)
    Rota.objects.filter(pk=rota.pk).update(status=Rota.Status.SOLVING)
    run = services.rota_solve_run(solve_id=run.pk)
    rota.refresh_from_db()
    assert run.status == RotaSolve.Status.STOPPED
    assert run.seconds < 30
    assert rota.status == Rota.Status.READY
    assert_legal(rota)


def test_revision_after_an_absence_changes_few_cells(world, coordinator, upcoming):
    published = upcoming  # next month: the absence and every changed cell are still to come
    before = holders(published)
    # the holder of the busiest practitioner's duties goes on leave for a week
    victim = RotaAssignment.objects.filter(shift__rota=published).first().practitioner
    week = (published.start + dt.timedelta(days=7), published.start + dt.timedelta(days=13))
    services.unavailability_create(
        actor=coordinator, practitioner=victim, start=week[0], end=week[1]
    )
    revision = services.rota_revise(actor=coordinator, rota=published)
    _generate(coordinator, revision, seconds=4.0)
    assert revision.status == Rota.Status.READY
    assert_legal(revision)
    after = holders(revision)
    changed = sum(1 for k, p in before.items() if after[k] != p)
    assert revision.changed_cells == changed
    assert changed <= len(before) * 0.25
    assert not RotaAssignment.objects.filter(
        shift__rota=revision, practitioner=victim, shift__date__range=week
    ).exists()
    # publishing before the revision: the old rota refuses (leave now breaks it), then supersede
    services.rota_publish(actor=coordinator, rota=revision, expected_version=revision.version)
    published.refresh_from_db()
    assert published.status == Rota.Status.SUPERSEDED


def test_infeasible_quotas_explained_and_published_rota_untouched(world, coordinator, published):
    before = holders(published)
    members = list(Member.objects.filter(practitioners__isnull=False).distinct())
    revision = services.rota_revise(actor=coordinator, rota=published)
    revision.quota_source = Rota.QuotaSource.DECLARED
    revision.declared_quotas = {str(m.pk): 60.0 for m in members}  # 60 % each: over 100 %
    revision.save()
    _generate(coordinator, revision)
    assert revision.status == Rota.Status.FAILED
    text = " ".join(engine_text.translate(s) for s in revision.explanation)
    assert revision.explanation and "%" in text or "quota" in text
    with pytest.raises(ValidationError) as err:
        services.rota_publish(actor=coordinator, rota=revision, expected_version=revision.version)
    assert "rien n'est publié" in " ".join(err.value.messages)
    published.refresh_from_db()
    assert published.status == Rota.Status.PUBLISHED
    assert holders(published) == before


def test_line_without_competent_practitioner_is_explained(world, coordinator, published):
    line = published.shifts.first().line
    holders_ = Practitioner.objects.filter(active=True)
    missing = next(
        c
        for c in ("cardiac", "nuclear", "breast", "paediatric", "msk", "oncology")
        if not any(c in (p.competences or []) for p in holders_)
    )
    line.competence = missing
    line.save()
    rota = services.rota_create(
        actor=coordinator,
        platform=world.platform,
        start=FREE[0],
        end=FREE[0] + dt.timedelta(days=6),
    )
    _generate(coordinator, rota)
    assert rota.status == Rota.Status.FAILED
    assert line.name in " ".join(engine_text.translate(s) for s in rota.explanation)


def _legal_swap(rota):
    """Two shifts still to come whose holders may legally swap them."""
    problem = build_problem(rota, include_previous=False)
    assignments = current_assignments(rota)
    shifts = list(
        RotaShift.objects.filter(rota=rota, starts_at__gt=timezone.now()).select_related(
            "assignment"
        )
    )
    for a in shifts:
        for b in shifts:
            if a.assignment.practitioner_id == b.assignment.practitioner_id:
                continue
            if a.line_id != b.line_id or a.category != b.category:
                continue
            if not check_change(problem, assignments, Swap(a.key, b.key)):
                return a, b
    raise AssertionError("no legal swap in the demo rota")


def test_swap_proposed_accepted_applied_and_audited(world, upcoming, radiologist_user):
    published = upcoming
    a, b = _legal_swap(published)
    pa, pb = a.assignment.practitioner, b.assignment.practitioner
    version = published.version
    swap = services.swap_propose(actor=radiologist_user(pa), shift=a, other_shift=b)
    assert (swap.kind, swap.status, swap.to_practitioner) == ("swap", "proposed", pb)
    with pytest.raises(Exception):  # noqa: B017 - only the recipient may accept
        services.swap_accept(actor=radiologist_user(pa), swap=swap)
    services.swap_accept(actor=radiologist_user(pb), swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPLIED
    assert RotaAssignment.objects.get(shift=a).practitioner == pb
    assert RotaAssignment.objects.get(shift=b).practitioner == pa
    published.refresh_from_db()
    assert published.version == version + 1
    assert_legal(published)
    events = AuditEvent.objects.filter(model="rotaassignment", action="~")
    assert events.filter(object_id=str(a.assignment.pk)).exists()
    assert events.filter(object_id=str(b.assignment.pk)).exists()


def test_swap_with_approval_waits_for_the_coordinator(
    world, coordinator, upcoming, radiologist_user
):
    published = upcoming
    Rota.objects.filter(pk=published.pk).update(swaps_need_approval=True)
    published.refresh_from_db()
    a, b = _legal_swap(published)
    pa, pb = a.assignment.practitioner, b.assignment.practitioner
    swap = services.swap_propose(actor=radiologist_user(pa), shift=a, other_shift=b)
    services.swap_accept(actor=radiologist_user(pb), swap=swap)
    assert swap.status == SwapRequest.Status.ACCEPTED
    assert RotaAssignment.objects.get(shift=a).practitioner == pa
    services.swap_approve(actor=coordinator, swap=swap)
    assert swap.status == SwapRequest.Status.APPLIED
    assert RotaAssignment.objects.get(shift=a).practitioner == pb
    assert_legal(published)


def test_illegal_give_away_refused_with_reason(world, coordinator, upcoming, radiologist_user):
    published = upcoming
    shift = published.shifts.select_related("assignment__practitioner").first()
    holder = shift.assignment.practitioner
    other = (
        Practitioner.objects.filter(active=True, member__platform=world.platform)
        .exclude(pk=holder.pk)
        .first()
    )
    services.unavailability_create(
        actor=coordinator, practitioner=other, start=shift.date, end=shift.date, reason="congés"
    )
    problem = build_problem(published, include_previous=False)
    expected = check_change(
        problem, current_assignments(published), GiveAway(shift.key, str(other.pk))
    )
    assert expected  # the engine's checker refuses it
    with pytest.raises(ValidationError) as err:
        services.swap_propose(actor=radiologist_user(holder), shift=shift, to_practitioner=other)
    assert err.value.messages == expected
    assert RotaAssignment.objects.get(shift=shift).practitioner == holder
    assert not SwapRequest.objects.exists()


def test_swap_that_became_illegal_is_refused_on_accept(
    world, coordinator, upcoming, radiologist_user
):
    published = upcoming
    a, b = _legal_swap(published)
    pa, pb = a.assignment.practitioner, b.assignment.practitioner
    swap = services.swap_propose(actor=radiologist_user(pa), shift=a, other_shift=b)
    Unavailability.objects.create(practitioner=pb, start=a.date, end=a.date)
    with pytest.raises(ValidationError):
        services.swap_accept(actor=radiologist_user(pb), swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.REFUSED and swap.reason
    assert RotaAssignment.objects.get(shift=a).practitioner == pa
    assert_legal(published)


def test_stale_version_is_refused_never_overwritten(world, coordinator, published):
    admin = world.users["administrator"]
    rota = services.rota_create(
        actor=coordinator,
        platform=world.platform,
        start=FREE[0],
        end=FREE[0] + dt.timedelta(days=6),
    )
    _generate(coordinator, rota)
    seen = rota.version  # both coordinators open the page at this version
    cell = RotaAssignment.objects.filter(shift__rota=rota).first()
    services.rota_cell_lock(
        actor=coordinator, rota=rota, shift=cell.shift, locked=True, expected_version=seen
    )
    with pytest.raises(services.StaleRota) as err:
        services.rota_cell_lock(
            actor=admin, rota=rota, shift=cell.shift, locked=False, expected_version=seen
        )
    assert "modifié par quelqu'un d'autre" in err.value.messages[0]
    cell.refresh_from_db()
    assert cell.locked is True
    with pytest.raises(services.StaleRota):
        services.rota_publish(actor=admin, rota=rota, expected_version=seen)
    rota.refresh_from_db()
    assert rota.status == Rota.Status.READY


def test_published_rota_is_not_edited_in_place(coordinator, published):
    cell = RotaAssignment.objects.filter(shift__rota=published).first()
    with pytest.raises(ValidationError):
        services.rota_cell_lock(
            actor=coordinator,
            rota=published,
            shift=cell.shift,
            locked=True,
            expected_version=published.version,
        )


def test_radiologist_manages_only_own_wishes(world, radiologist_user):
    me = world.practitioner_a
    user = radiologist_user(me)
    services.preference_create(
        actor=user, practitioner=me, date=FREE[0] + dt.timedelta(days=2), weight=-2
    )
    services.unavailability_create(
        actor=user, practitioner=me, start=FREE[0], end=FREE[0] + dt.timedelta(days=6)
    )
    with pytest.raises(Exception):  # noqa: B017
        services.preference_create(
            actor=user,
            practitioner=world.practitioner_b,
            date=FREE[0] + dt.timedelta(days=2),
            weight=1,
        )
    with pytest.raises(ValidationError):
        services.unavailability_create(
            actor=user, practitioner=me, start=FREE[0] + dt.timedelta(days=6), end=FREE[0]
        )
