"""The English catalog: complete, compiled, and served when the user picks English."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


def parse_po(path: Path) -> list[dict[str, str | None]]:
    """Minimal .po reader: one dict per entry (msgid, msgid_plural, msgstr[n], flags)."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["flags"] = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    entries = parse_po(PO)
    assert entries[0]["msgid"] == ""  # the header
    return entries[1:]


def test_every_msgid_is_translated(catalog):
    assert len(catalog) > 300
    untranslated = [
        e["msgid"] for e in catalog if not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []
    assert [e["msgid"] for e in catalog if "fuzzy" in e.get("flags", ())] == []


def test_plural_entries_have_both_forms(catalog):
    plurals = [e for e in catalog if "msgid_plural" in e]
    assert plurals
    for e in plurals:
        assert e["msgstr[0]"] and e["msgstr[1]"], e["msgid"]


def test_compiled_catalog_matches_the_po(catalog):
    """The committed .mo is up to date: it yields every msgstr of the .po."""
    with MO.open("rb") as fp:
        mo = gettext.GNUTranslations(fp)
    for e in catalog:
        if "msgid_plural" in e:
            assert mo.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr[0]"]
            assert mo.ngettext(e["msgid"], e["msgid_plural"], 2) == e["msgstr[1]"]
        else:
            assert mo.gettext(e["msgid"]) == e["msgstr"], e["msgid"]


def test_dashboard_is_french_by_default(client, world):
    client.force_login(world.users["coordinator"])
    page = client.get("/").content.decode()
    assert '<html lang="fr">' in page
    assert "Tableau de bord" in page
    assert "Autorisation ARS" in page
    assert "ARS authorisation" not in page


def test_dashboard_in_english_after_choosing_the_language(client, world):
    client.force_login(world.users["coordinator"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Dashboard" in page
    assert "ARS authorisation" in page
    assert "Tableau de bord" not in page
    assert "Autorisation ARS" not in page


def test_dashboard_in_english_from_the_browser_language(client, world):
    client.force_login(world.users["coordinator"])
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "Dashboard" in page
    assert "ARS authorisation" in page
