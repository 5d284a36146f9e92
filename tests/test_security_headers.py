"""Production's Content-Security-Policy needs no inline script; no-store on signed-in pages and
exports; the booking pseudonym refuses a NIR or a name."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from pimm.accounts.services import api_token_create
from pimm.planning.forms import BookingForm
from pimm.pseudonyms import identifying_reason

SRC = Path(__file__).resolve().parent.parent / "src" / "pimm"
TEMPLATES = [
    p
    for p in SRC.rglob("templates/**/*.html")
    if p.name != "rota_pdf.html"  # WeasyPrint only
]
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_carry_no_inline_script(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_HANDLER.search(text), "use a data attribute read by web/js/behaviours.js"
    assert not INLINE_SCRIPT.search(text)


@pytest.mark.django_db
@override_settings(SECURE_CSP=settings.PIMM_CSP)
def test_pages_are_served_with_the_policy_and_without_cache(client_for):
    response = client_for("coordinator").get(reverse("web:dashboard"))
    policy = response["Content-Security-Policy"]
    script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.content.decode()
    assert "web/js/behaviours.js" in body


@pytest.mark.django_db
def test_the_api_docs_use_no_cdn(client_for):
    page = client_for("coordinator").get("/api/docs").content.decode()
    assert "cdn." not in page and "/static/ninja/swagger-ui-bundle.js" in page


@pytest.mark.parametrize(
    "value",
    [
        "185057800608436",  # a NIR with its key
        "1850578006084",  # a NIR without the key
        "2-85-05-2A-006-084-36",  # a Corsican NIR typed with dashes
        "DUPONT-JEAN-12",
        "MARTIN12",
        "Jean Dupont",
    ],
)
def test_identifying_pseudonyms_are_refused(value):
    assert identifying_reason(value)


@pytest.mark.parametrize("value", ["PAT-7F3K21", "PAT-API123", "AB-12-CD-34", "X7Y8Z9-001"])
def test_real_pseudonyms_pass(value):
    assert identifying_reason(value) is None


@pytest.mark.django_db
def test_booking_form_and_api_refuse_a_nir(world):
    form = BookingForm(data={"patient_pseudonym": "185057800608436"})
    assert not form.is_valid() and "NIR" in form.errors["patient_pseudonym"][0]
    _t, raw = api_token_create(user=world.users["coordinator"], name="t")
    from django.test import Client

    response = Client().post(
        "/api/planning/bookings",
        data=json.dumps(
            {
                "order_reference": "R1",
                "exam_type": "CT_HEAD",
                "patient_pseudonym": "DUPONT-JEAN-12",
                "member": world.member_a.pk,
            }
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "patient_pseudonym"] and "nom" in detail["msg"]
