"""The English catalog: complete, compiled, and served when the user picks English."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from tests import clock

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


def parse_po(path: Path) -> list[dict[str, str | None]]:
    """Minimal .po reader: one dict per entry (msgctxt, msgid, msgid_plural, msgstr[n], flags,
    locations)."""
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
        elif line.startswith("#:"):
            entry["locations"] = entry.get("locations", "") + line[2:]
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
    assert len(catalog) > 900  # the foundation, planning, oncall and worklist
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
            assert "msgctxt" not in e  # no npgettext in the code yet: add the branch if needed
            assert mo.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr[0]"]
            assert mo.ngettext(e["msgid"], e["msgid_plural"], 2) == e["msgstr[1]"]
        elif "msgctxt" in e:
            assert mo.pgettext(e["msgctxt"], e["msgid"]) == e["msgstr"], e["msgid"]
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


def test_the_apps_strings_are_in_the_catalog(catalog):
    """makemessages was run over every app, not only the foundation."""
    apps = {"registry", "accounts", "web", "planning", "oncall", "worklist"}
    found = {app for e in catalog for app in apps if f"src/pimm/{app}/" in e.get("locations", "")}
    assert found == apps


def test_python_format_placeholders_survive_translation(catalog):
    """msgfmt --check does this too; the test keeps it true without gettext installed."""
    placeholder = re.compile(r"%\((\w+)\)[sd]|%[sd%]")
    for e in catalog:
        if "python-format" in e.get("flags", ()) and "msgstr" in e:
            assert sorted(placeholder.findall(e["msgid"])) == sorted(
                placeholder.findall(e["msgstr"])
            ), e["msgid"]


# (url name, English text, its French source): one heading or label per app page
APP_PAGES = [
    ("planning:calendar", "Machine schedule", "Planning des appareils"),
    ("planning:plan_list", "Session plans", "Plans de vacations"),
    ("planning:indicators", "Time to third available slot", "Délai jusqu'à la troisième plage"),
    ("planning:booking_list", "Reference or pseudonym", "Référence ou pseudonyme"),
    ("oncall:index", "Duty rotas", "Tableaux de garde"),
    ("oncall:lines", "On-site duty and on-call lines", "Lignes de garde et d'astreinte"),
    ("oncall:fairness", "Duty fairness", "Équité des gardes"),
    ("oncall:swaps", "Duty swaps and handovers", "Échanges et cessions de gardes"),
    ("worklist:coordination", "Reading coordination", "Coordination de la lecture"),
    ("worklist:coordination_live", "Escalations", "Escalades"),
    ("worklist:exam_list", "All statuses", "Tous les statuts"),
]


@pytest.mark.parametrize(("name", "english", "french"), APP_PAGES)
def test_app_pages_follow_the_browser_language(client, world, catalog, name, english, french):
    client.force_login(world.users["coordinator"])
    url = reverse(name)
    default = client.get(url)
    assert default.status_code == 200
    assert french in default.content.decode()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert english in text
    assert french not in text
    # no other translated sentence of the catalog is left in French on the English page
    leftovers = [
        e["msgid"]
        for e in catalog
        if len(e["msgid"]) >= 25  # shorter ones can be data (demo titles are French)
        and "%" not in e["msgid"]
        and e["msgid"] != e.get("msgstr")
        and escape(e["msgid"]) in text
    ]
    assert leftovers == []


def test_published_rota_in_english(client, world):
    """Model choices (the rota's status) and inline labels, not only headings."""
    from pimm.oncall.models import Rota

    rota = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start())
    client.force_login(world.users["coordinator"])
    url = reverse("oncall:rota", args=[rota.pk])
    french = client.get(url).content.decode()
    assert "Publié" in french and "écart de charge" in french
    text = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge ok" data-testid="rota-status">Published</span>' in text
    assert "load spread" in text
    assert "Revise (absence: change as little as possible)" in text
    assert "Publié" not in text
    assert "écart de charge" not in text
