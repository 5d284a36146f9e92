"""Two users booking the same slot at the same moment: exactly one booking, one clear refusal.

Runs in the PostgreSQL pass of `make test` (real concurrent connections, row locks); on SQLite
the same race is serialised by IMMEDIATE transactions and is checked the same way.
"""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from pimm.accounts.roles import Role
from pimm.accounts.services import user_create
from pimm.planning import adapter, services
from pimm.planning import models as pm
from pimm.registry import models as m


def _world():
    platform = m.Platform.objects.create(
        name="PIMM test",
        legal_form="gcs_moyens",
        siren="732829320",
        authorized_on=dt.date(2026, 1, 1),
    )
    member = m.Member.objects.create(
        platform=platform, code="M1", name="Membre 1", kind="private_group", siren="552100554"
    )
    site = m.Site.objects.create(
        member=member,
        code="S1",
        name="Site 1",
        town="Vienne",
        departement="38",
        latitude=45.5,
        longitude=4.8,
    )
    eq = m.Equipment.objects.create(
        site=site, holder=member, code="CT-T", name="Scanner T", modality="CT"
    )
    m.Authorization.objects.create(  # in force over the test's slots (booking checks it)
        equipment=eq,
        number="ARS-T",
        decided_on=dt.date(2029, 1, 1),
        starts_on=dt.date(2029, 1, 1),
        ends_on=dt.date(2036, 1, 1),
    )
    exam = pm.ExamType.objects.create(code="CT_T", label="Scanner", modality="CT", minutes=15)
    start = adapter.aware(dt.datetime(2030, 1, 7, 8, 0))
    plan = pm.VacationPlan.objects.create(
        platform=platform,
        name="P",
        start=dt.date(2030, 1, 1),
        end=dt.date(2030, 2, 1),
        status="published",
    )
    slot = pm.Slot.objects.create(
        plan=plan, equipment=eq, start=start, end=start + dt.timedelta(minutes=15), member=member
    )
    users = [
        user_create(
            username=f"sec{i}", password="x-very-long-pass-1", role=Role.SECRETARY, member=member
        )
        for i in range(2)
    ]
    return member, exam, slot, users, start - dt.timedelta(days=2)


@pytest.mark.django_db(transaction=True)
def test_two_users_booking_the_same_slot_at_once_get_one_booking():
    member, exam, slot, users, now = _world()
    # PostgreSQL: a real race on two connections, released together by the barrier. SQLite's
    # in-memory test database cannot hold two writers at once, so there the two bookings run one
    # after the other on the main connection (same code path, the loser sees the slot taken).
    racing = connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def book(i: int) -> None:
        if racing:
            close_old_connections()
        try:
            if racing:
                barrier.wait(timeout=10)
            results[i] = services.booking_create(
                actor=users[i],
                order_reference=f"RACE-{i}",
                exam_type=exam,
                patient_pseudonym=f"PAT-RACE0{i}",
                member=member,
                slot=slot,
                now=now,
            )
        except services.PlanningRefused as exc:
            results[i] = exc
        finally:
            if racing:
                connection.close()

    if racing:
        threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        book(0)
        book(1)
    won = [r for r in results.values() if isinstance(r, pm.Booking)]
    lost = [r for r in results.values() if isinstance(r, services.PlanningRefused)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code == "slot_taken"
    assert "déjà prise" in lost[0].message or "vient d'être prise" in lost[0].message
    assert pm.Booking.objects.filter(order_reference__startswith="RACE").count() == 1
    slot.refresh_from_db()
    assert slot.booking_id == won[0].pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_race_really_runs_on_postgresql():
    """Guard: the PostgreSQL pass must exercise real row locks, not skip silently."""
    import os

    if os.environ.get("PIMM_DB_ENGINE") == "postgresql":
        assert connection.vendor == "postgresql"
        assert connection.features.has_select_for_update
    else:
        assert connection.vendor == "sqlite"
