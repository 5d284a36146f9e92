"""French 400/403/404/500 pages inside the layout, signed in and out; the demo shows no debug page."""

import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings
from django.urls import reverse

HOME_LINK = 'href="/"'


def _is_error_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    text = response.content.decode()
    assert f'data-status="{status}"' in text
    assert f"<h1>{title}" in text
    assert '<header class="top">' in text  # inside the layout
    assert HOME_LINK in text  # a way back
    assert '<html lang="fr">' in text
    for english in ("Not Found", "Forbidden", "Bad Request", "Server Error", "URLconf"):
        assert english not in text
    return text


@pytest.mark.parametrize("persona", [None, "coordinator", "secretary_a"])
def test_404_page(world, client_for, persona):
    text = _is_error_page(client_for(persona).get("/registre/nulle-part/"), 404, "Page introuvable")
    assert ("Se connecter" in text) is (persona is None)
    if persona:
        assert '<nav class="main"' in text  # the signed-in user keeps their menu


def test_a_forbidden_object_is_the_same_404(world, client_for):
    url = reverse("registry:site_detail", args=[world.site_b.pk])
    _is_error_page(client_for("manager_a").get(url), 404, "Page introuvable")


@pytest.mark.parametrize("persona", ["secretary_a", "radiologist_a"])
def test_403_from_a_permission_check(world, client_for, persona):
    response = client_for(persona).get(reverse("accounts:audit"))
    text = _is_error_page(response, 403, "Accès refusé")
    assert "coordinateur du PIMM" in text


def test_403_signed_out_is_a_csrf_failure_in_french(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    text = _is_error_page(response, 403, "Formulaire expiré")
    assert "CSRF cookie" not in text and "Rechargez la page" in text


@pytest.mark.parametrize("persona", [None, "coordinator"])
def test_400_page(world, client_for, persona):
    response = client_for(persona).get("/", HTTP_HOST="pirate.example")  # DisallowedHost
    _is_error_page(response, 400, "Requête invalide")


@override_settings(ROOT_URLCONF="tests.web.error_urls")
@pytest.mark.parametrize("persona", [None, "coordinator"])
def test_500_page(world, client_for, persona):
    client = client_for(persona)
    client.raise_request_exception = False
    text = _is_error_page(client.get("/boum/"), 500, "Erreur du serveur")
    assert "boom" not in text and "Traceback" not in text


def _demo_debug(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "PIMM_DEBUG"} | env
    code = "import pimm.settings.dev as s; print(s.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_demo_has_no_debug_pages_unless_a_developer_asks():
    assert _demo_debug() == "False"
    assert _demo_debug(PIMM_DEBUG="1") == "True"
