"""The audit trail in French: labels, formatted values, a login said as such, filters, CSV."""

import csv
import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pimm.accounts import audit_display
from pimm.accounts.models import AuditEvent
from pimm.registry.services import registry_object_save
from tests import clock
from tests.conftest import PASSWORD


def _audit(client, **params):
    response = client.get(reverse("accounts:audit"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_labels_and_values_are_french(world, client_for):
    eq = world.equipment_a
    was_active = eq.active
    eq.active = not was_active
    eq.site = world.site_b
    registry_object_save(actor=world.users["coordinator"], obj=eq)
    page = _audit(client_for("coordinator"), model="equipment", object_id=str(eq.pk))
    assert "Équipement #" in page  # the model's verbose name, not "equipment"
    # the field's verbose name, booleans in words, the site by its name rather than its id
    assert f"<b>{eq._meta.get_field('active').verbose_name.capitalize()}</b>" in page
    yes_no = ("Oui", "Non") if was_active else ("Non", "Oui")
    assert f"{yes_no[0]} → {yes_no[1]}" in page
    assert f"→ {escape(str(world.site_b))}" in page
    assert "True" not in page and "False" not in page


def test_choices_and_dates_are_shown_by_label_in_paris_time(world, client_for):
    eq = world.equipment_a
    field = eq._meta.get_field("modality")
    eq.modality = next(v for v, _ in field.choices if v != eq.modality)
    registry_object_save(actor=world.users["coordinator"], obj=eq)
    event = AuditEvent.objects.filter(model="equipment", object_id=str(eq.pk)).first()
    assert event.changes["modality"][1] == eq.modality
    page = _audit(client_for("coordinator"), model="equipment", object_id=str(eq.pk))
    assert f"→ {escape(eq.get_modality_display())}<" in page
    assert f"→ {eq.modality}<" not in page  # the raw code
    assert timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M") in page


def test_creation_shows_datetimes_in_paris_time(world):
    field = AuditEvent._meta.get_field("at")
    value = clock.at(clock.TODAY, 10, 30).astimezone(dt.UTC)  # stored in UTC
    shown = audit_display.format_value(field, value.isoformat(), audit_display._Related())
    assert shown == clock.TODAY.strftime("%d/%m/%Y") + " 10:30"


def test_a_login_is_a_login(world, client):
    response = client.post(reverse("accounts:login"), {"username": "t-sec-a", "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(model="user", username__in=["t-sec-a", "système"]).first()
    assert event.action == AuditEvent.Action.LOGIN
    assert event.get_action_display() == "connexion"


def test_login_shown_as_connexion_on_the_page(world, client, client_for):
    client.post(reverse("accounts:login"), {"username": "t-tech-a", "password": PASSWORD})
    page = _audit(client_for("coordinator"), action=AuditEvent.Action.LOGIN)
    assert 'data-action="@">connexion<' in page
    assert "t-tech-a" in page


def test_filter_by_member(world, client_for):
    site_a, site_b = world.site_a, world.site_b
    site_a.name = "Renommé chez A"
    site_b.name = "Renommé chez B"
    registry_object_save(actor=world.users["coordinator"], obj=site_a)
    registry_object_save(actor=world.users["coordinator"], obj=site_b)
    page = _audit(client_for("coordinator"), member=str(world.member_a.pk), model="site")
    assert "Renommé chez A" in page and "Renommé chez B" not in page
    # a member manager's trail is already their member's: no member filter for them
    manager = _audit(client_for("manager_a"))
    assert 'name="member"' not in manager


def test_bad_filter_is_refused_in_french_not_a_500(world, client_for):
    page = _audit(client_for("coordinator"), since="hier", member="999999")
    assert "Saisissez une date valide" in page
    assert "Sélectionnez un choix valide" in page
    response = client_for("coordinator").get(reverse("accounts:audit"), {"page": "1\x00"})
    assert response.status_code == 400  # the input guard's French page
    assert "Requête invalide" in response.content.decode()


def test_csv_export_follows_the_filters(world, client_for):
    site = world.site_a
    site.name = "=HYPERLINK(1)"
    registry_object_save(actor=world.users["coordinator"], obj=site)
    client = client_for("coordinator")
    response = client.get(reverse("accounts:audit_csv"), {"model": "site"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:4] == ["Date", "Utilisateur", "Action", "Objet"]
    assert {r[3] for r in rows[1:]} == {"Site"}
    assert any(r[6] == "Nom" and r[8] == "'=HYPERLINK(1)" for r in rows[1:])
    assert client_for("secretary_a").get(reverse("accounts:audit_csv")).status_code == 403


def test_csv_export_of_a_manager_is_their_member_only(world, client_for):
    site = world.site_b
    site.name = "Chez B seulement"
    registry_object_save(actor=world.users["coordinator"], obj=site)
    body = client_for("manager_a").get(reverse("accounts:audit_csv")).content.decode("utf-8-sig")
    assert "Chez B seulement" not in body
