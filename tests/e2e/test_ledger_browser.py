"""The ledger in the browser: the coordinator enters a cost and a revenue line for this month,
shares them by the convention's keys, closes the month and downloads a member's statement,
whose PDF text (pdftotext) carries the CSV's totals, each on its own label's line."""

import re
import subprocess
from decimal import Decimal

from pimm.ledger import models as lm
from pimm.ledger import selectors
from pimm.registry import models as m
from tests import clock
from tests.e2e.conftest import login, menu, shot

LINES = (  # kind, category, label, amount, key
    ("cost", "maintenance", "Maintenance du scanner", "1000.01", "fixed"),
    ("revenue", "grant", "Dotation de l'ARS", "777.77", "activity"),
)


def test_close_a_month_and_download_a_statement(page, tmp_path):
    login(page, "coordinateur")
    period = lm.Period.objects.get(month=clock.month_start(0))
    page.goto(page.base + "/")
    menu(page, "Finances")
    page.click(f"a:has-text('{period}')")
    for kind, category, label, amount, basis in LINES:
        page.select_option("#id_kind", kind)
        page.select_option("#id_category", category)
        page.fill("#id_label", label)
        page.fill("#id_amount", amount)
        page.select_option("#id_basis", basis)
        page.click("button:has-text('Enregistrer')")
        page.wait_for_selector(f"[data-testid=cost-lines] >> text={label}")
    page.click("[data-testid=allocate]")
    page.wait_for_selector("text=2 ligne(s) réparties")
    page.click("[data-testid=close-month]")
    page.wait_for_selector("text=Mois clos")
    period.refresh_from_db()
    assert period.status == lm.Period.Status.CLOSED
    totals = selectors.platform_totals(period=period)
    assert totals.owes == totals.costs == Decimal("1000.01")
    assert totals.owed == totals.revenue == Decimal("777.77")
    shot(page, "ledger-month-closed", full_page=True)

    # a member that produced acts this month: every figure of its statement is non-zero
    st = next(s for s in selectors.statements(period=period) if s.acts and s.owed)
    member = m.Member.objects.get(pk=st.member_id)
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
    expected = {
        "produit": st.produced,
        "doit (quote-part des charges)": st.owes,
        "est dû (quote-part des recettes)": st.owed,
        "solde": st.balance,
    }
    for label, value in expected.items():
        assert value != 0, label
        assert Decimal(rows[label].replace(",", ".").replace("\u202f", "")) == value, label
        line = re.compile(rf"^\s*{re.escape(label)}\s+{re.escape(rows[label])}\s*$", re.M)
        assert line.search(text), (label, rows[label])
    assert member.name in text
