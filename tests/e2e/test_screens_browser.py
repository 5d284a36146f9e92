"""In Chromium: the sharing keys' running total as one types "12,5", and an import's preview
confirmed before anything is written."""

from pimm.registry import models as m
from tests.e2e.conftest import login


def test_sharing_keys_running_total_follows_french_numbers(page):
    login(page, "coordinateur")
    convention = m.Convention.objects.order_by("pk").first()
    page.goto(f"{page.base}/registre/convention/{convention.pk}/cles/")
    total = page.locator('output[data-sum-total="time"]')
    inputs = page.locator('input[data-sum="time"]')
    n = inputs.count()
    assert n >= 2
    for i in range(n):
        inputs.nth(i).fill("0")
    inputs.nth(0).fill("12,5")
    assert total.inner_text() == "12,5 %"
    assert "error" in (total.get_attribute("class") or "")
    inputs.nth(1).fill("87,5")
    assert total.inner_text() == "100 %"
    assert "ok" in (total.get_attribute("class") or "")
    inputs.nth(1).fill("abc")
    assert total.inner_text() == "?"


def test_import_preview_then_confirm(page, tmp_path):
    login(page, "coordinateur")
    member = m.Member.objects.order_by("code").first()
    csv = tmp_path / "radiologues.csv"
    csv.write_text(
        "rpps;prenom;nom;membre;statut;competences;quotite;sites\n"
        f"10000001015;Anne;Durand;{member.code};Libéral;Neuroradiologie;0,5;\n",
        encoding="utf-8",
    )
    page.goto(f"{page.base}/registre/import/")
    assert "Neuroradiologie" in page.locator("#import-columns").inner_text()
    page.select_option("#id_kind", "practitioners")
    page.set_input_files("#id_file", str(csv))
    page.click("button:has-text('Vérifier et importer')")
    page.wait_for_selector("#import-preview")
    assert "Durand" in page.locator("#import-preview").inner_text()
    assert not m.Practitioner.objects.filter(rpps="10000001015").exists()
    page.click("#import-confirm")
    page.wait_for_selector("text=Import réussi")
    anne = m.Practitioner.objects.get(rpps="10000001015")
    assert (anne.status, anne.competences) == ("private", ["neuro"])
