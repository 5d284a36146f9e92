"""Every page each role reaches reads in French, and in English under `Accept-Language: en`.

French: no English word of a list, no raw enum value (`MRI_KNEE`, `PET_CT`, `draft`) outside a
`<code>` element (where a page lists codes on purpose, for the people who type them in a file),
no `True`/`False`/`None`, no solver status code. English: no French word of a list and no sentence of
the catalog left in French. The English half reads the catalog (`src/pimm/locale/en`): a string
added without its translation fails it until `scripts/i18n-update.sh` is run and translated.
"""

import re

import pytest
from django.apps import apps
from django.utils.functional import Promise
from django.utils.html import escape

from pimm.planning.models import ExamType
from tests.personas import SIGNED_IN
from tests.web.crawl import crawl, visible_text
from tests.web.test_i18n import PO, parse_po

ENGLISH = (
    "Member",
    "Members",
    "Platform",
    "Equipment",
    "True",
    "False",
    "None",
    "OPTIMAL",
    "FEASIBLE",
    "INFEASIBLE",
    "GREEDY",
    "UNKNOWN",
    "MODEL_INVALID",
    "Exam type",
    "Created at",
    "Created by",
    "Status",
    "Save",
    "Delete",
    "Cancel",
    "Search",
    "Dashboard",
    "Log out",
)
FRENCH = (
    "Tableau de bord",
    "Se déconnecter",
    "Mon compte",
    "Rechercher",
    "Enregistrer",
    "Aucun",
    "Aucune",
    "Oui",
    "Non",
    "Registre",
    "Modifier",
    "Statut",
    "Journal d'audit",
    "Équipements",
    "Membres",
    "Radiologues",
    "tableau optimal",
    "meilleur tableau",
    "Revenir",
    "Paramétrage",
)


def _words(words) -> re.Pattern:
    return re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, words)) + r")(?![\w'’-])")


def raw_enum_values() -> set[str]:
    """Stored codes no page should show as such: enum values unlike their label that read as
    codes (an underscore, or four capitals and more: `PET_CT`, `INTERV`, `public_hospital`) and
    the exam types' codes (`MRI_KNEE`). Lower-case single words (`garde`, `public`) are French
    words too: the English word list catches the English ones."""
    values = set()
    for model in apps.get_models():
        if not model.__module__.startswith("pimm."):
            continue
        for field in model._meta.concrete_fields:
            for value, label in field.flatchoices or ():
                if not isinstance(value, str) or value == str(label) or len(value) < 4:
                    continue
                if "_" in value or value.isupper():
                    values.add(value)
    values |= {code for code in ExamType.objects.values_list("code", flat=True) if "_" in code}
    return values


def _offences(pages, pattern: re.Pattern, literal: bool = True) -> dict[str, list[str]]:
    found = {}
    for url, (status, html) in pages.items():
        if status == 200 and html:
            hits = sorted(set(pattern.findall(visible_text(html, literal))))
            if hits:
                found[url] = hits
    return found


def _assert_crawled(pages) -> None:
    assert len(pages) >= 3, list(pages)
    assert [u for u, (s, _h) in pages.items() if s >= 500] == []


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_every_page_reads_in_french(world, client_for, persona):
    pages = crawl(client_for(persona))
    _assert_crawled(pages)
    assert _offences(pages, _words(ENGLISH)) == {}
    codes = raw_enum_values()
    assert {"PET_CT", "MRI_KNEE", "INTERV"} <= codes
    # a code marked as such (`<code>`) is shown on purpose: the import page's accepted values
    assert _offences(pages, _words(sorted(codes, key=len, reverse=True)), literal=False) == {}


@pytest.fixture(scope="module")
def translated() -> list[tuple[str, str]]:
    return [
        (e["msgid"], e["msgstr"])
        for e in parse_po(PO)[1:]
        if e.get("msgstr") and e["msgstr"] != e["msgid"] and "%" not in e["msgid"]
    ]


# Stored French records that a page shows as they were written, not interface strings (known debt,
# see the closing notes of issue 12): a generated plan's audit reason embeds the solver's words;
# the demo coordinator typed a commitment title that is also an indicator's name.
STORED_FRENCH = {
    ("/evaluation/", "Télé-imagerie interne entre membres"),
}


def _stored_record(url: str, msgid: str) -> bool:
    return any(url.startswith(prefix) and msgid == text for prefix, text in STORED_FRENCH)


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_every_page_reads_in_english(world, client_for, persona, translated):
    pages = crawl(client_for(persona), HTTP_ACCEPT_LANGUAGE="en")
    _assert_crawled(pages)
    assert all('<html lang="en">' in html for s, html in pages.values() if s == 200 and html)
    assert _offences(pages, _words(FRENCH)) == {}
    leftovers = {}
    for url, (status, html) in pages.items():
        if status != 200:
            continue
        left = [
            m
            for m, _t in translated
            if len(m) >= 25 and escape(m) in html and not _stored_record(url, m)
        ]
        if left:
            leftovers[url] = left
    assert leftovers == {}


def test_every_model_and_field_has_a_french_verbose_name():
    missing = []
    for model in apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("pimm.") or meta.model_name.startswith("historical"):
            continue
        for attr in ("verbose_name", "verbose_name_plural"):
            if not isinstance(meta.original_attrs.get(attr), Promise):
                missing.append(f"{meta.label} Meta.{attr}")
        for field in meta.local_fields + meta.local_many_to_many:
            if not field.auto_created and not isinstance(field.verbose_name, Promise):
                missing.append(f"{meta.label}.{field.name}")
            for value, label in field.flatchoices or ():
                if not isinstance(label, Promise):
                    missing.append(f"{meta.label}.{field.name}={value}")
    assert missing == []
