"""With a second factor required for coordinators and administrators, nothing but enrolment, the
code page and logout is reached before it: not the accounts pages, not the API (session or token)."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from pimm.accounts.models import ApiToken
from pimm.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

REQUIRED = override_settings(PIMM_REQUIRE_2FA_ROLES=["coordinator", "administrator"])


@REQUIRED
@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("accounts:profile", {}),
        ("accounts:users", {}),
        ("accounts:user_create", {}),
        ("accounts:audit", {}),
        ("web:dashboard", {}),
    ],
)
def test_unverified_coordinator_reaches_no_account_page(client_for, name, kwargs):
    response = client_for("coordinator").get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp")


@REQUIRED
def test_unverified_coordinator_creates_no_token_nor_account(world, client_for):
    client = client_for("coordinator")
    client.post(reverse("accounts:profile"), {"name": "scripts"})
    client.post(
        reverse("accounts:user_create"),
        {"username": "evil", "email": "e@example.org", "role": "coordinator"},
    )
    assert not ApiToken.objects.filter(user=world.users["coordinator"]).exists()
    assert not type(world.users["coordinator"]).objects.filter(username="evil").exists()


@REQUIRED
@pytest.mark.parametrize("name", ["accounts:totp_setup", "accounts:otp"])
def test_enrolment_and_code_page_stay_reachable(client_for, name):
    # the code page sends a user without a device on to enrolment, which answers
    response = client_for("coordinator").get(reverse(name), follow=True)
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/totp_setup.html"


@REQUIRED
def test_logout_stays_reachable(client_for):
    client = client_for("coordinator")
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@REQUIRED
def test_unverified_session_cannot_use_the_api(world, client_for):
    client = client_for("coordinator")
    me = client.get("/api/me")
    assert me.status_code == 403 and "authentification" in me.json()["detail"]
    weights = client.put(
        "/api/oncall/weights", {"weekday_night": 9}, content_type="application/json"
    )
    assert weights.status_code == 403
    platform = client.patch(
        f"/api/registry/platform/{world.platform.pk}",
        {"name": "Hijacked"},
        content_type="application/json",
    )
    assert platform.status_code == 403
    world.platform.refresh_from_db()
    assert world.platform.name != "Hijacked"


@REQUIRED
def test_token_issued_before_enrolment_is_refused(world):
    user = world.users["coordinator"]
    _token, raw = api_token_create(user=user, name="before")
    bearer = Client(headers={"Authorization": f"Bearer {raw}"})
    assert bearer.get("/api/me").status_code == 401
    # enrolling later does not bless a token issued before the second factor
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert bearer.get("/api/me").status_code == 401
    _later, raw_later = api_token_create(user=user, name="after")
    ApiToken.objects.filter(name="after").update(
        created_at=device.created_at + dt.timedelta(seconds=1)
    )
    after = Client(headers={"Authorization": f"Bearer {raw_later}"})
    assert after.get("/api/me").status_code == 200


@REQUIRED
def test_roles_without_the_requirement_are_untouched(world, client_for):
    client = client_for("manager_a")
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get("/api/me").status_code == 200
    _token, raw = api_token_create(user=world.users["manager_a"], name="m")
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/me").status_code == 200


def test_privileged_sessions_are_shorter(client_for, settings):
    coordinator = client_for("coordinator")
    coordinator.get(reverse("web:dashboard"))
    assert coordinator.session.get_expiry_age() <= settings.PIMM_PRIVILEGED_SESSION_SECONDS
    manager = client_for("manager_a")
    manager.get(reverse("web:dashboard"))
    assert manager.session.get_expiry_age() > settings.PIMM_PRIVILEGED_SESSION_SECONDS
