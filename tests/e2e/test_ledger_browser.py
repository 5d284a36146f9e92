"""The ledger in the browser: the coordinator closes this month and downloads a member's
statement, whose PDF text (pdftotext) carries the CSV's totals."""

import subprocess

from pimm.ledger import models as lm
from pimm.registry import models as m
from tests import clock
from tests.e2e.conftest import login, shot


def test_close_a_month_and_download_a_statement(page, tmp_path):
    login(page, "coordinateur")
    period = lm.Period.objects.get(month=clock.month_start(0))
    page.goto(page.base + "/comptabilite/")
    page.click(f"a:has-text('{period}')")
    page.click("[data-testid=close-month]")
    page.wait_for_selector("text=Mois clos")
    period.refresh_from_db()
    assert period.status == lm.Period.Status.CLOSED
    shot(page, "ledger-month-closed", full_page=True)
    member = m.Member.objects.filter(code__isnull=False).order_by("name").first()
    with page.expect_download() as pdf_info:
        page.click(f"[data-testid=pdf-{member.code}]")
    pdf = tmp_path / "releve.pdf"
    pdf_info.value.save_as(pdf)
    with page.expect_download() as csv_info:
        page.click(f"[data-testid=csv-{member.code}]")
    csv_path = tmp_path / "releve.csv"
    csv_info.value.save_as(csv_path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    rows = dict(line.split(";", 1) for line in csv_path.read_text().splitlines()[:7] if ";" in line)
    for label in (
        "produit",
        "doit (quote-part des charges)",
        "est dû (quote-part des recettes)",
        "solde",
    ):
        assert rows[label] in text, (label, rows[label])
    assert member.name in text
