"""Login lockout behind the reverse proxy: keyed on the user and the real client address, and a
try during the lock does not restart it."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse

from pimm.accounts.client_ip import client_ip
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = override_settings(PIMM_TRUSTED_PROXIES=["127.0.0.1", "::1"])


def _behind_proxy(address: str) -> Client:
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)


def _login(client, password):
    return client.post(reverse("accounts:login"), {"username": "t-coord", "password": password})


@PROXY
def test_five_failures_from_one_client_do_not_lock_the_account_for_others(world):
    attacker = _behind_proxy("203.0.113.5")
    for _ in range(5):
        _login(attacker, "wrong")
    assert _login(attacker, PASSWORD).status_code == 429
    owner = _behind_proxy("198.51.100.7")
    assert _login(owner, PASSWORD).status_code == 302


@PROXY
def test_a_try_during_the_lock_does_not_restart_it(world):
    attacker = _behind_proxy("203.0.113.5")
    for _ in range(5):
        _login(attacker, "wrong")
    attempt = AccessAttempt.objects.get(username="t-coord")
    locked_at = attempt.attempt_time
    assert _login(attacker, "wrong").status_code == 429
    attempt.refresh_from_db()
    assert attempt.attempt_time == locked_at and attempt.failures_since_start == 5


class _Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@PROXY
@pytest.mark.parametrize(
    "remote,forwarded,expected",
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's word
        ("127.0.0.1", "203.0.113.5, 127.0.0.1", "203.0.113.5"),
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # an untrusted peer's header is ignored
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("", None, None),
    ],
)
def test_client_ip(remote, forwarded, expected):
    assert client_ip(_Request(remote, forwarded)) == expected
