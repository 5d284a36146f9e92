"""The issue's bad input, driven through the pages as the coordinator does it: a clear French
explanation on the page, nothing published, the published rota untouched. Also the repos de
sécurité fed from the worklist's presence plan, and point balances carried across years."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pimm.accounts import engine_text
from pimm.engine.rota import model as em
from pimm.engine.rota.checker import check_rota
from pimm.oncall import services
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import PointBalance, Rota, RotaAssignment
from pimm.oncall.services import presence as oncall_presence
from pimm.registry.models import Member, Practitioner
from tests import clock

from .conftest import assert_legal, holders

pytestmark = pytest.mark.django_db


def _revise_and_generate(client, published) -> Rota:
    response = client.post(reverse("oncall:revise", args=[published.pk]))
    assert response.status_code == 302
    revision = Rota.objects.filter(based_on=published).latest("pk")
    response = client.post(
        reverse("oncall:generate", args=[revision.pk]),
        {"version": revision.version, "seconds": "3"},
    )
    assert response.status_code == 302
    revision.refresh_from_db()
    return revision


def _refused_publication(client, rota: Rota) -> list[str]:
    response = client.post(
        reverse("oncall:publish", args=[rota.pk]), {"version": rota.version}, follow=True
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)] or [response.content.decode()]


def _page(client, rota: Rota) -> str:
    response = client.get(reverse("oncall:rota", args=[rota.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_line_without_competent_practitioner_explained_on_the_page(world, client_for, published):
    before = holders(published)
    line = published.shifts.first().line
    people = Practitioner.objects.filter(active=True)
    missing = next(
        c
        for c in ("cardiac", "nuclear", "breast", "paediatric", "msk", "oncology")
        if not any(c in (p.competences or []) for p in people)
    )
    line.competence = missing
    line.save()
    client = client_for("coordinator")
    revision = _revise_and_generate(client, published)
    assert revision.status == Rota.Status.FAILED
    page = _page(client, revision)
    assert "Pourquoi aucun tableau n&#x27;est possible" in page or "Pourquoi aucun tableau" in page
    assert line.name in page
    messages = " ".join(_refused_publication(client, revision))
    assert "rien n'est publié" in messages
    revision.refresh_from_db()
    published.refresh_from_db()
    assert revision.status == Rota.Status.FAILED
    assert published.status == Rota.Status.PUBLISHED
    assert holders(published) == before


def test_leave_for_everybody_over_the_month_explained(world, client_for, published):
    before = holders(published)
    coordinator = world.users["coordinator"]
    for p in Practitioner.objects.filter(active=True, member__platform=world.platform):
        services.unavailability_create(
            actor=coordinator,
            practitioner=p,
            start=published.start,
            end=published.end,
            reason="congés",
        )
    client = client_for("coordinator")
    revision = _revise_and_generate(client, published)
    assert revision.status == Rota.Status.FAILED
    assert revision.explanation
    page = _page(client, revision)
    sentences = [engine_text.translate(s) for s in revision.explanation]
    assert all(sentence.split(" ")[0] in page for sentence in sentences)
    assert not RotaAssignment.objects.filter(shift__rota=revision).exists()
    messages = " ".join(_refused_publication(client, revision))
    assert "rien n'est publié" in messages
    published.refresh_from_db()
    assert published.status == Rota.Status.PUBLISHED
    assert holders(published) == before


def test_declared_quotas_over_100_percent_refused_at_creation(world, client_for, published):
    client = client_for("coordinator")
    members = Member.objects.filter(practitioners__isnull=False).distinct()
    declared = "\n".join(f"{m.code}: 60" for m in members)
    count = Rota.objects.count()
    response = client.post(
        reverse("oncall:index"),
        {
            "title": "Quotas faux",
            "start": clock.day(2, 1).isoformat(),
            "end": clock.day(2, 28).isoformat(),
            "quota_source": Rota.QuotaSource.DECLARED,
            "declared": declared,
            "quota_tolerance": "5",
            "max_consecutive_duties": "3",
            "max_nights_per_month": "8",
        },
    )
    assert response.status_code == 200
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    total = 60 * members.count()
    assert f"totalisent {total} %" in text and "rien n'a été créé" in text
    assert Rota.objects.count() == count
    published.refresh_from_db()
    assert published.status == Rota.Status.PUBLISHED


def test_revision_with_impossible_quotas_is_refused_and_nothing_created(
    world, client_for, published
):
    """Quotas edited into a published rota (outside the form) cannot reach a revision either:
    the revision is refused in words, nothing is created, the published rota stays."""
    before = holders(published)
    members = list(Member.objects.filter(practitioners__isnull=False).distinct())
    Rota.objects.filter(pk=published.pk).update(
        quota_source=Rota.QuotaSource.DECLARED,
        declared_quotas={str(m.pk): 60.0 for m in members},
    )
    count = Rota.objects.count()
    response = client_for("coordinator").post(
        reverse("oncall:revise", args=[published.pk]), follow=True
    )
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"totalisent {60 * len(members)} %" in text
    assert Rota.objects.count() == count
    published.refresh_from_db()
    assert published.status == Rota.Status.PUBLISHED and holders(published) == before


def test_presence_the_day_after_a_night_takes_that_night_away(world, coordinator):
    """Repos de sécurité with the worklist's presence plan: present on site the next morning,
    so not on call the night before."""
    start, end = clock.day(2, 1), clock.day(2, 7)
    rota = services.rota_create(actor=coordinator, platform=world.platform, start=start, end=end)
    services.rota_solve_start(
        actor=coordinator, rota=rota, expected_version=rota.version, time_limit=3
    )
    rota.refresh_from_db()
    assert rota.status == Rota.Status.READY
    night = (
        RotaAssignment.objects.filter(
            shift__rota=rota,
            shift__category=em.WEEKNIGHT,
            shift__line__kind=em.GARDE,
            shift__date__lt=end,
        )
        .select_related("shift", "practitioner")
        .order_by("shift__starts_at")
        .first()
    )
    who, day = night.practitioner, night.shift.date
    next_day = day + dt.timedelta(days=1)
    oncall_presence.presence_create(
        practitioner=who,
        start=timezone.make_aware(dt.datetime.combine(next_day, dt.time(9, 0))),
        end=timezone.make_aware(dt.datetime.combine(next_day, dt.time(17, 0))),
        site=who.sites.first(),
        actor=coordinator,
    )
    problem = build_problem(rota, include_previous=False)
    assert any(a.practitioner_id == str(who.pk) for a in problem.day_activities)
    broken = check_rota(problem, current_assignments(rota))
    assert any(v.practitioner_id == str(who.pk) for v in broken)
    # the rota computed before the presence was known can no longer be published
    with pytest.raises(ValidationError) as err:
        services.rota_publish(actor=coordinator, rota=rota, expected_version=rota.version)
    assert "ne respecte plus les règles" in " ".join(err.value.messages)
    # a new solve keeps the rest: no night for them that day, and the rota is legal
    services.rota_solve_start(
        actor=coordinator, rota=rota, expected_version=rota.version, time_limit=3
    )
    rota.refresh_from_db()
    assert rota.status == Rota.Status.READY
    assert_legal(rota)
    assert not RotaAssignment.objects.filter(  # an astreinte night gives no rest (the rule)
        shift__rota=rota,
        practitioner=who,
        shift__date=day,
        shift__category__in=sorted(em.NIGHT_CATEGORIES),
        shift__line__kind=em.GARDE,
    ).exists()


def test_duty_rows_of_the_presence_plan_are_not_day_work(world, coordinator, published):
    """Only presence on site counts as day work: a duty row (on_duty) is not fed as such."""
    who = RotaAssignment.objects.filter(shift__rota=published).first().practitioner
    before = build_problem(published).day_activities  # the demo's presence plan on site
    oncall_presence.presence_create(
        practitioner=who,
        start=clock.at(clock.day(0, 12), 9),
        end=clock.at(clock.day(0, 12), 17),
        on_duty=True,
        actor=coordinator,
    )
    assert build_problem(published).day_activities == before


def _publish(coordinator, platform, start, end):
    rota = services.rota_create(actor=coordinator, platform=platform, start=start, end=end)
    services.rota_solve_start(
        actor=coordinator, rota=rota, expected_version=rota.version, time_limit=3
    )
    rota.refresh_from_db()
    assert rota.status == Rota.Status.READY
    return services.rota_publish(actor=coordinator, rota=rota, expected_version=rota.version)


def test_point_balances_carry_into_next_year_and_settle(world, coordinator):
    """December of year Y-1 published after January of Y: the Y-1 balance (points − fair share)
    becomes the Y carry-over, each year's balances sum to what came in (zero-sum), and the next
    solve of Y starts from the carried points. Y is two years ahead: no demo rota there."""
    y = clock.TODAY.year + 2
    _publish(coordinator, world.platform, dt.date(y, 1, 1), dt.date(y, 1, 10))
    _publish(coordinator, world.platform, dt.date(y - 1, 12, 22), dt.date(y - 1, 12, 31))
    before = {b.practitioner_id: b for b in PointBalance.objects.filter(year=y - 1)}
    after = {b.practitioner_id: b for b in PointBalance.objects.filter(year=y)}
    assert sum(b.earned for b in before.values()) > 0
    assert sum(b.balance for b in before.values()) == pytest.approx(0, abs=0.5)
    assert any(abs(b.balance) > 0.5 for b in before.values())
    for pid, b in before.items():
        assert after[pid].carried_in == pytest.approx(round(b.balance, 2))
    carried_total = sum(b.carried_in for b in after.values())
    assert sum(b.balance for b in after.values()) == pytest.approx(carried_total, abs=0.5)
    # the next rota of Y starts from the carried points (and January's earned points)
    feb = services.rota_create(
        actor=coordinator,
        platform=world.platform,
        start=dt.date(y, 2, 1),
        end=dt.date(y, 2, 3),
    )
    carried = build_problem(feb).carried_points
    some = next(pid for pid, b in after.items() if b.carried_in and b.earned)
    assert carried[str(some)] == pytest.approx(
        after[some].carried_in + after[some].earned, abs=0.05
    )


def test_partial_declared_quotas_are_accepted_but_not_out_of_range(world, coordinator):
    """A quota for one member only is legal (the others share the rest); a negative or
    over-100 quota is refused with its reason and nothing is created."""
    member = Member.objects.filter(practitioners__isnull=False).first()
    rota = services.rota_create(
        actor=coordinator,
        platform=world.platform,
        start=clock.day(2, 1),
        end=clock.day(2, 3),
        quota_source=Rota.QuotaSource.DECLARED,
        declared_quotas={str(member.pk): 30.0},
    )
    assert rota.pk and rota.declared_quotas == {str(member.pk): 30.0}
    count = Rota.objects.count()
    for quotas, words in (
        ({str(member.pk): -5.0}, "entre 0 et 100"),
        ({}, "indiquez le quota"),
    ):
        with pytest.raises(ValidationError) as err:
            services.rota_create(
                actor=coordinator,
                platform=world.platform,
                start=clock.day(2, 1),
                end=clock.day(2, 3),
                quota_source=Rota.QuotaSource.DECLARED,
                declared_quotas=quotas,
            )
        assert words in " ".join(err.value.messages)
    assert Rota.objects.count() == count
