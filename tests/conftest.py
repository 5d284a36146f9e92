"""Shared fixtures: the demo PIMM loaded once per test database, and one persona per role.

Personas follow the healthchecks/netbox habit: a coordinator, a member manager of member A, staff
of A, a radiologist of A, an ARS reviewer, and the objects of another member B they must not reach.
"""

from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation

from pimm.accounts.models import User
from pimm.accounts.roles import Role
from pimm.accounts.services import user_create
from pimm.demo.loader import load_demo
from pimm.registry import models as m
from tests import clock

PASSWORD = "correct-horse-battery-staple"
_travel = time_machine.travel(clock.NOW, tick=True)


def pytest_configure(config):
    """Freeze the session's clock before anything reads it (see ``tests/clock.py``)."""
    _travel.start()


def pytest_unconfigure(config):
    _travel.stop()


def pytest_report_header(config):
    return f"pimm test clock: {clock.NOW.isoformat()} (PIMM_TEST_NOW to move it)"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo PIMM once into the test database; each test runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        load_demo(seed=7, scale=1)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in French: a request in English (i18n tests) must not leak into the
    next test run by the same worker thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class World:
    platform: m.Platform
    member_a: m.Member
    member_b: m.Member
    site_a: m.Site
    site_b: m.Site
    equipment_a: m.Equipment
    equipment_b: m.Equipment
    authorization_a: m.Authorization
    authorization_b: m.Authorization
    practitioner_a: m.Practitioner
    practitioner_b: m.Practitioner
    technologist_a: m.Technologist
    technologist_b: m.Technologist
    convention: m.Convention
    users: dict[str, User]


def _first(qs):
    return qs.order_by("pk").first()


@pytest.fixture
def world(db) -> World:
    platform = m.Platform.objects.get()
    members = list(m.Member.objects.order_by("code"))
    member_a, member_b = members[0], members[3]  # the GHT hospital and a private group
    site_a = _first(m.Site.objects.filter(member=member_a))
    site_b = _first(m.Site.objects.filter(member=member_b))
    equipment_a = _first(m.Equipment.objects.filter(holder=member_a, site__member=member_a))
    equipment_b = _first(m.Equipment.objects.filter(holder=member_b).exclude(site__member=member_a))
    users = {
        "coordinator": user_create(username="t-coord", password=PASSWORD, role=Role.COORDINATOR),
        "administrator": user_create(
            username="t-admin", password=PASSWORD, role=Role.ADMINISTRATOR
        ),
        "reviewer": user_create(username="t-ars", password=PASSWORD, role=Role.ARS_REVIEWER),
        "manager_a": user_create(
            username="t-man-a", password=PASSWORD, role=Role.MEMBER_MANAGER, member=member_a
        ),
        "manager_b": user_create(
            username="t-man-b", password=PASSWORD, role=Role.MEMBER_MANAGER, member=member_b
        ),
        "secretary_a": user_create(
            username="t-sec-a", password=PASSWORD, role=Role.SECRETARY, member=member_a
        ),
        "technologist_a": user_create(
            username="t-tech-a", password=PASSWORD, role=Role.TECHNOLOGIST, member=member_a
        ),
        "radiologist_a": user_create(username="t-rad-a", password=PASSWORD, role=Role.RADIOLOGIST),
    }
    own_practitioner = _first(m.Practitioner.objects.filter(member=member_a, user__isnull=True))
    own_practitioner.user = users["radiologist_a"]
    own_practitioner.save()
    own_tech = _first(m.Technologist.objects.filter(member=member_a, user__isnull=True))
    own_tech.user = users["technologist_a"]
    own_tech.save()
    return World(
        platform=platform,
        member_a=member_a,
        member_b=member_b,
        site_a=site_a,
        site_b=site_b,
        equipment_a=equipment_a,
        equipment_b=equipment_b,
        authorization_a=equipment_a.authorizations.get(),
        authorization_b=equipment_b.authorizations.get(),
        practitioner_a=_first(
            m.Practitioner.objects.filter(member=member_a).exclude(pk=own_practitioner.pk)
        ),
        practitioner_b=_first(m.Practitioner.objects.filter(member=member_b)),
        technologist_a=_first(
            m.Technologist.objects.filter(member=member_a).exclude(pk=own_tech.pk)
        ),
        technologist_b=_first(m.Technologist.objects.filter(member=member_b)),
        convention=m.Convention.objects.get(),
        users=users,
    )


@pytest.fixture
def client_for(world):
    def make(persona: str | None) -> Client:
        client = Client()
        if persona:
            client.force_login(world.users[persona])
        return client

    return make


@pytest.fixture
def draft_convention(world) -> m.Convention:
    """The demo's convention as a version not yet signed: editable in place (a signed one is
    only amended)."""
    m.Convention.objects.filter(pk=world.convention.pk).update(signed_on=None)
    world.convention.refresh_from_db()
    return world.convention
