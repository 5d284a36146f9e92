from pimm.registry import models as m
from tests.e2e.conftest import login, menu, shot


def test_coordinator_logs_in_and_creates_a_member(page):
    login(page, "coordinateur")
    assert page.locator("h1").inner_text() == m.Platform.objects.get().name
    assert page.locator("#map svg path.dep").count() == 96
    assert page.locator("#map circle.site-marker").count() >= 1
    shot(page, "tableau-de-bord", full_page=True)
    menu(page, "Membres")
    page.click("text=Ajouter")
    page.fill("#id_code", "M099")
    page.fill("#id_name", "Centre hospitalier de Vienne-Sud")
    page.select_option("#id_kind", "public_hospital")
    page.fill("#id_finess", "060016218")  # wrong key first
    page.fill("#id_siren", "732829320")
    page.click("button:has-text('Enregistrer')")
    assert "clé de contrôle est fausse" in page.locator(".errorlist").all_inner_texts()[0]
    assert not m.Member.objects.filter(code="M099").exists()
    shot(page, "erreur-finess")
    page.fill("#id_finess", "060016219")
    page.click("button:has-text('Enregistrer')")
    page.wait_for_selector("text=Enregistré")
    assert m.Member.objects.filter(code="M099", finess="060016219").exists()


def test_import_with_a_bad_row_shows_the_error_and_writes_nothing(page, tmp_path):
    login(page, "coordinateur")
    member = m.Member.objects.order_by("code").first()
    csv = tmp_path / "radiologues.csv"
    csv.write_text(
        "rpps;prenom;nom;membre;statut;competences;quotite;sites\n"
        f"10000001015;Anne;Durand;{member.code};PH;neuro;1;\n"
        f"10000001016;Luc;Faux;{member.code};PH;general;1;\n",
        encoding="utf-8",
    )
    before = m.Practitioner.objects.count()
    menu(page, "Import")
    page.select_option("#id_kind", "practitioners")
    page.set_input_files("#id_file", str(csv))
    page.click("button:has-text('Vérifier et importer')")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text() == "3"
    assert "clé de contrôle" in errors.first.inner_text()
    assert "Aucune ligne n'a été enregistrée" in page.locator("#import-progress").inner_text()
    shot(page, "import-erreurs")
    assert m.Practitioner.objects.count() == before


def test_member_manager_cannot_open_another_members_site(page):
    login(page, "gestionnaire")
    manager_member = m.Member.objects.get(users__username="gestionnaire")
    other = m.Site.objects.exclude(member=manager_member).order_by("pk").first()
    own = m.Site.objects.filter(member=manager_member).order_by("pk").first()
    response = page.goto(f"{page.base}/registre/site/{other.pk}/")
    assert response.status == 404
    assert other.name not in page.content()
    response = page.goto(f"{page.base}/registre/site/{own.pk}/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == own.name
    page.goto(f"{page.base}/registre/site/")
    shot(page, "sites-gestionnaire")
    assert (
        page.locator("table.list tbody tr").count()
        == m.Site.objects.filter(member=manager_member).count()
    )
