import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from pimm.accounts.models import AuditEvent
from pimm.registry.services import registry_object_save


def test_change_is_audited_with_before_and_after(world):
    site = world.site_a
    old_name = site.name
    site.name = "Nouveau nom"
    registry_object_save(actor=world.users["manager_a"], obj=site)
    event = AuditEvent.objects.filter(model="site", object_id=str(site.pk)).first()
    assert event.action == "~"
    assert event.username == "t-man-a"
    assert event.member_id == world.member_a.pk
    assert event.changes == {"name": [old_name, "Nouveau nom"]}


def test_web_edit_records_the_request_user(world, client_for):
    client = client_for("coordinator")
    eq = world.equipment_a
    url = reverse("registry:equipment_edit", args=[eq.pk])
    data = {
        "code": eq.code,
        "name": "Scanner renommé",
        "modality": eq.modality,
        "site": eq.site_id,
        "holder": eq.holder_id,
        "active": "on",
    }
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.filter(model="equipment").first()
    assert event.username == "t-coord" and event.changes["name"][1] == "Scanner renommé"


def test_audit_trail_refuses_update(world):
    AuditEvent.objects.create(action="+", app_label="x", model="x", object_id="1", object_repr="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(username="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        world.site_a.history.update(history_change_reason="forged")


def test_audit_trail_refuses_delete_on_postgresql(world):
    """On PostgreSQL the trail is fully append-only; SQLite (embedded) refuses updates only."""
    AuditEvent.objects.create(action="+", app_label="x", model="x", object_id="1", object_repr="x")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.exists()
    else:
        assert connection.vendor == "sqlite"
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
        assert "pimm_append_only_accounts_auditevent" in triggers


def test_audit_page_filters_and_scopes(world, client_for):
    site = world.site_b
    site.name = "Changement chez B"
    registry_object_save(actor=world.users["coordinator"], obj=site)
    url = reverse("accounts:audit")
    coord = client_for("coordinator").get(url, {"model": "site"}).content.decode()
    assert "Changement chez B" in coord
    manager = client_for("manager_a").get(url, {"model": "site"}).content.decode()
    assert "Changement chez B" not in manager
    assert client_for("reviewer").get(url).status_code == 200
    assert client_for("secretary_a").get(url).status_code == 403
    filtered = client_for("coordinator").get(url, {"username": "nobody"}).content.decode()
    assert "Changement chez B" not in filtered
