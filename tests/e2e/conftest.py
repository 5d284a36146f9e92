"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's live server.

Screenshots land in docs/img/ so the user guide shows the application as it is.
"""

import os
from pathlib import Path

import pytest

from pimm.demo.loader import DEMO_PASSWORD, load_demo

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:  # the hook sees the whole session: mark only this folder's tests
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    load_demo(seed=42, scale=1)


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base = live_server.url
    yield page
    context.close()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(page.base + "/comptes/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]:has-text('Se connecter')")
    page.wait_for_url(page.base + "/")


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def menu(page, label: str) -> None:
    """Open a main-menu entry as a user does: through its group's summary when the menu is
    grouped (the coordinator's) and the link is folded away, directly otherwise."""
    link = page.locator("nav.main a", has_text=label).first
    group = page.locator("nav.main details", has=page.locator("a", has_text=label))
    if not link.is_visible() and group.count():
        group.first.locator("summary").click()
    link.click()
