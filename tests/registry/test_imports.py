import io

from django.urls import reverse
from openpyxl import Workbook

from pimm.registry import models as m
from pimm.registry.imports import registry_import

HEADER = "rpps;prenom;nom;membre;statut;competences;quotite;sites\n"


def _csv(world, rows: list[str]) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def test_good_csv_creates_practitioners(world):
    code, site = world.member_a.code, world.site_a.code
    content = _csv(
        world,
        [
            f"10000001015;Anne;Durand;{code};PH;neuro|general;0,8;{site}",
            f"10000002013;Paul;Martin;{code};libéral;;1;",
        ],
    )
    before = m.Practitioner.objects.count()
    result = registry_import(
        actor=world.users["coordinator"], kind="practitioners", name="p.csv", content=content
    )
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    assert m.Practitioner.objects.count() == before + 2
    anne = m.Practitioner.objects.get(rpps="10000001015")
    assert anne.competences == ["neuro", "general"]
    assert str(anne.working_time) == "0.80"
    assert list(anne.sites.values_list("code", flat=True)) == [site]


def test_one_bad_row_writes_nothing_and_names_the_line(world):
    code = world.member_a.code
    content = _csv(
        world,
        [
            f"10000001015;Anne;Durand;{code};PH;general;1;",
            f"10000001016;Bad;Key;{code};PH;general;1;",  # wrong RPPS key on line 3
            "10000002013;Paul;Martin;INCONNU;PH;general;1;",  # unknown member on line 4
        ],
    )
    before = m.Practitioner.objects.count()
    result = registry_import(
        actor=world.users["coordinator"], kind="practitioners", name="p.csv", content=content
    )
    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == [(3, "rpps"), (4, "membre")]
    assert "clé de contrôle" in result.errors[0].message
    assert m.Practitioner.objects.count() == before


def test_duplicate_rows_in_file_are_reported(world):
    code = world.member_a.code
    row = f"10000001015;Anne;Durand;{code};PH;general;1;"
    result = registry_import(
        actor=world.users["coordinator"],
        kind="practitioners",
        name="p.csv",
        content=_csv(world, [row, row]),
    )
    assert [e.line for e in result.errors] == [3]
    assert "doublon" in result.errors[0].message


def test_xlsx_sites_import(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["membre", "code", "nom", "commune", "departement", "latitude", "longitude"])
    ws.append([world.member_a.code, "NEW1", "Antenne de Lyon", "Lyon", "69", 45.76, 4.83])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = registry_import(
        actor=world.users["manager_a"], kind="sites", name="s.xlsx", content=buffer.getvalue()
    )
    assert result.ok, result.errors
    assert m.Site.objects.get(code="NEW1").member == world.member_a


def test_manager_cannot_import_another_members_rows(world):
    content = (
        "code;nom;modalite;site;titulaire\n"
        f"EQX;IRM pirate;IRM;{world.site_b.code};{world.member_b.code}\n"
    ).encode()
    result = registry_import(
        actor=world.users["manager_a"], kind="equipment", name="e.csv", content=content
    )
    assert [e.line for e in result.errors] == [2]
    assert not m.Equipment.objects.filter(code="EQX").exists()


def test_missing_columns_and_bad_format(world):
    result = registry_import(
        actor=world.users["coordinator"], kind="sites", name="s.csv", content=b"code;nom\nA;B\n"
    )
    assert result.errors[0].line == 1 and "membre" in result.errors[0].column
    result = registry_import(
        actor=world.users["coordinator"], kind="sites", name="s.pdf", content=b"%PDF"
    )
    assert "Format non pris en charge" in result.errors[0].message


def test_import_page_shows_errors_and_writes_nothing(world, client_for):
    client = client_for("coordinator")
    content = _csv(world, [f"10000001016;Bad;Key;{world.member_a.code};PH;general;1;"])
    before = m.Practitioner.objects.count()
    upload = io.BytesIO(content)
    upload.name = "radiologues.csv"
    response = client.post(
        reverse("registry:import"), {"kind": "practitioners", "file": upload}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain and "/import/" in response.redirect_chain[0][0]
    assert (
        "Aucune ligne n&#x27;a été enregistrée" in body
        or "Aucune ligne n'a été enregistrée" in body
    )
    assert "clé de contrôle" in body
    assert m.Practitioner.objects.count() == before
