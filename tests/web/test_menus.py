"""Each role's menus, crawled: every link they show opens (no 403, no 404).

The main menu and the rooms' own menus (`.subnav`) are derived from the rooms' rules
(`pimm.web.context_processors`, `pimm.planning.nav`); this test follows the links of the rendered
pages as a user would, so a link the role is then refused fails here."""

import re

import pytest

from tests.personas import TWO_MEMBER_PERSONAS

MAIN = re.compile(r'<nav class="main".*?</nav>', re.S)
SUBNAV = re.compile(r'<p class="subnav">.*?</p>', re.S)
HREF = re.compile(r'href="(/[^"#?]*)"')


def _links(html: str, block: re.Pattern) -> list[str]:
    return [h for part in block.findall(html) for h in HREF.findall(part)]


@pytest.mark.parametrize("persona", [p for p in TWO_MEMBER_PERSONAS if p])
def test_every_menu_link_opens(world, client_for, persona):
    client = client_for(persona)
    home = client.get("/")
    assert home.status_code == 200
    menu = list(dict.fromkeys(_links(home.content.decode(), MAIN)))
    assert len(menu) >= 2, menu  # the dashboard and at least one room
    answers = {}
    for link in menu:
        response = client.get(link)
        answers[link] = response.status_code
        for sub in _links(response.content.decode(), SUBNAV):
            if sub not in answers:
                answers[sub] = client.get(sub).status_code
    refused = {link: status for link, status in answers.items() if status in (403, 404)}
    assert refused == {}


def test_the_planning_menu_follows_the_role(world, client_for):
    """A secretary books but reads no plan; a radiologist reads the calendar and exam types."""
    secretary = client_for("secretary_a").get("/planning/").content.decode()
    radiologist = client_for("radiologist_a").get("/planning/").content.decode()
    assert "/planning/rendez-vous/" in _links(secretary, SUBNAV)
    assert "/planning/plans/" not in _links(secretary, SUBNAV)
    assert _links(radiologist, SUBNAV) == ["/planning/", "/planning/parametrage/"]
