"""Who opens which ledger page (404 for another member's statement), the API's idempotency,
and a statement's PDF whose text carries the CSV's totals."""

import subprocess

import pytest

from pimm.ledger import exports, selectors
from pimm.ledger import models as lm
from tests.personas import FORBIDDEN, HIDDEN, LOGIN, OK, PERSONAS

PAGES = {  # persona: periods page, to-fix page
    None: (LOGIN, LOGIN),
    "coordinator": (OK, OK),
    "administrator": (OK, OK),
    "reviewer": (OK, FORBIDDEN),
    "manager_a": (OK, FORBIDDEN),
    "secretary_a": (FORBIDDEN, FORBIDDEN),
    "technologist_a": (FORBIDDEN, FORBIDDEN),
    "radiologist_a": (FORBIDDEN, FORBIDDEN),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_ledger_pages_follow_the_rules(client_for, closed, persona):
    c = client_for(persona)
    periods, fix = PAGES[persona]
    assert c.get("/comptabilite/").status_code == periods
    assert c.get("/comptabilite/a-corriger/").status_code == fix
    assert c.get(f"/comptabilite/mois/{closed.pk}/").status_code == periods


def test_a_manager_reads_only_their_members_statement_and_entries(world, client_for, closed):
    c = client_for("manager_a")
    own = c.get(f"/comptabilite/mois/{closed.pk}/releve/{world.member_a.pk}/")
    assert own.status_code == OK
    other = f"/comptabilite/mois/{closed.pk}/releve/{world.member_b.pk}/"
    assert c.get(other).status_code == HIDDEN
    assert c.get(other + "?format=pdf").status_code == HIDDEN
    assert client_for("manager_b").get(other).status_code == OK
    assert client_for("reviewer").get(other).status_code == OK
    page = c.get(f"/comptabilite/mois/{closed.pk}/")
    names = [s.member_name for s in page.context["statements"]]
    assert names == [world.member_a.name]
    assert c.get(f"/comptabilite/mois/{closed.pk}/ecritures/?format=fec").status_code == FORBIDDEN
    api = c.get(f"/api/ledger/periods/{closed.pk}/entries?limit=5000").json()
    assert api and {e["member_id"] for e in api} == {world.member_a.pk}
    other_entry = lm.Entry.objects.filter(period=closed).exclude(member=world.member_a).first()
    assert (
        c.post(
            f"/api/ledger/entries/{other_entry.pk}/reverse", {}, content_type="application/json"
        ).status_code
        == FORBIDDEN
    )


def test_only_the_coordinator_closes_a_month(world, client_for, period):
    for persona in ("reviewer", "manager_a"):
        r = client_for(persona).post(f"/comptabilite/mois/{period.pk}/action/close/")
        assert r.status_code == FORBIDDEN
    period.refresh_from_db()
    assert period.is_open
    r = client_for("coordinator").post(f"/comptabilite/mois/{period.pk}/action/close/")
    assert r.status_code == 302
    period.refresh_from_db()
    assert not period.is_open


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    world, client_for, period
):
    c = client_for("coordinator")
    body = {"kind": "cost", "category": "it", "label": "PACS", "amount": "120.00", "basis": "fixed"}
    url = f"/api/ledger/periods/{period.pk}/cost-lines"
    first = c.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    again = c.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert lm.CostLine.objects.filter(period=period, label="PACS").count() == 1
    other = c.post(
        url,
        {**body, "amount": "121.00"},
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    assert other.status_code == 422
    assert "clé d'idempotence" in other.json()["detail"][0]["msg"]
    assert lm.CostLine.objects.filter(period=period, label="PACS").count() == 1
    bad = c.post(url, {**body, "amount": "-3"}, content_type="application/json")
    assert bad.status_code == 422
    alloc = f"/api/ledger/periods/{period.pk}/allocate"
    a1 = c.post(alloc, headers={"Idempotency-Key": "k2"})
    a2 = c.post(alloc, headers={"Idempotency-Key": "k2"})
    assert a1.status_code == a2.status_code == 200 and a1.json() == a2.json() == {"allocated": 1}


def test_a_refused_extra_fee_answers_422_and_is_recorded(world, client_for, sign):
    exam = sign(priority="emergency")
    r = client_for("coordinator").post(
        "/api/ledger/extra-fees",
        {"exam": exam.pk, "amount": "15.00"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "urgence" in r.json()["detail"][0]["msg"]
    assert lm.ExtraFeeAttempt.objects.filter(exam=exam, accepted=False).count() == 1
    assert client_for("reviewer").get("/comptabilite/depassements/").status_code == OK


def test_the_statement_pdf_carries_the_csv_totals(world, client_for, closed, tmp_path):
    c = client_for("coordinator")
    url = f"/comptabilite/mois/{closed.pk}/releve/{world.member_a.pk}/"
    pdf = c.get(url + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    (tmp_path / "s.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "s.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    csv_text = c.get(url + "?format=csv").content.decode()
    st = selectors.statements(period=closed, member_id=world.member_a.pk)[0]
    for label in ("produit", "solde"):
        value = next(
            line.split(";")[1] for line in csv_text.splitlines() if line.startswith(label + ";")
        )
        assert value in text
    assert exports.amount(st.balance) in text
