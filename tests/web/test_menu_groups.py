"""The coordinator's long menu is a few keyboard-usable drop-down groups; short menus stay flat."""

import re

from django.urls import reverse

from pimm.web.context_processors import GROUP_ABOVE, nav_entries, nav_items_for

MAIN = re.compile(r'<nav class="main".*?</nav>', re.S)


def _main_menu(client) -> str:
    return MAIN.search(client.get("/").content.decode()).group(0)


def test_the_coordinators_menu_is_grouped(world, client_for):
    items = nav_items_for(world.users["coordinator"])
    assert len(items) > GROUP_ABOVE
    entries = nav_entries(items)
    assert len(entries) <= 7
    groups = {e.label: [label for label, _url in e.children] for e in entries if e.children}
    assert set(groups) >= {"Registre", "Planning", "Lecture", "Administration"}
    assert "Membres" in groups["Registre"] and "Audit" in groups["Administration"]
    # no entry lost, none twice
    flat = [u for e in entries for u in ([u for _l, u in e.children] or [e.url])]
    assert sorted(flat) == sorted(u for _l, u in items)
    menu = _main_menu(client_for("coordinator"))
    assert menu.count("<details") == len(groups)
    assert menu.count("<summary>") == len(groups)  # a summary is focusable and opens on Enter
    assert "data-menu" in menu


def test_the_group_of_the_current_page_is_marked(world, client_for):
    page = client_for("coordinator").get(reverse("registry:site_list")).content.decode()
    menu = MAIN.search(page).group(0)
    assert re.search(r'<details class="menu active" data-menu>\s*<summary>Registre</summary>', menu)
    assert 'aria-current="page"' in menu


def test_a_short_menu_stays_flat(world, client_for):
    items = nav_items_for(world.users["radiologist_a"])
    assert 2 <= len(items) <= GROUP_ABOVE
    assert "<details" not in _main_menu(client_for("radiologist_a"))
    assert [e.url for e in nav_entries(items)] == [u for _l, u in items]


def test_every_menu_is_short_once_grouped(world):
    for persona, user in world.users.items():
        entries = nav_entries(nav_items_for(user))
        assert len(entries) <= GROUP_ABOVE, (persona, [e.label for e in entries])


def test_no_inline_script_for_the_menus(world, client_for):
    page = client_for("coordinator").get("/").content.decode()
    assert "<script>" not in page and "onclick" not in page
