import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_and_dashboard_in_french(world, client):
    response = _login(client, "t-coord", PASSWORD)
    assert response.status_code == 302
    page = client.get(reverse("web:dashboard"))
    body = page.content.decode()
    assert "Autorisation ARS" in body and world.platform.name in body
    assert 'lang="fr"' in body


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_rate_limit_locks_after_five_failures(world, client):
    for _ in range(5):
        assert _login(client, "t-coord", "wrong").status_code in (200, 429)
    locked = _login(client, "t-coord", PASSWORD)
    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.content.decode()


def _enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # django-otp delays retries after a failure
def test_totp_second_step(world, client):
    device = _enrol(world.users["coordinator"])
    response = _login(client, "t-coord", PASSWORD)
    assert response["Location"] == reverse("accounts:otp")
    assert client.get(reverse("web:dashboard")).status_code == 302  # not logged in yet
    bad = "000000" if _code(device) != "000000" else "111111"
    wrong = client.post(reverse("accounts:otp"), {"token": bad})
    assert "Code incorrect" in wrong.content.decode()
    ok = client.post(reverse("accounts:otp"), {"token": _code(device)})
    assert ok.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_totp_enrolment(world, client_for):
    client = client_for("manager_a")
    page = client.get(reverse("accounts:totp_setup"))
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=world.users["manager_a"], confirmed=False)
    response = client.post(reverse("accounts:totp_setup"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


@override_settings(PIMM_REQUIRE_2FA_ROLES=["coordinator", "administrator"])
@pytest.mark.parametrize("persona,blocked", [("coordinator", True), ("manager_a", False)])
def test_production_requires_second_factor_for_coordinators(world, client_for, persona, blocked):
    response = client_for(persona).get(reverse("web:dashboard"))
    if blocked:
        assert response.status_code == 302 and response["Location"] == reverse("accounts:otp")
    else:
        assert response.status_code == 200
