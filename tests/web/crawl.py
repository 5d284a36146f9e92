"""Crawl the pages a persona reaches: its menus, their own menus, and one page of each kind linked
from those (the main detail pages), as a user clicking through would (GET only)."""

import re
from html.parser import HTMLParser

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/", "/static/", "/comptes/deconnexion/")
SKIP_SUFFIXES = (".csv", ".xlsx", ".ics", ".json", ".pdf", ".svg", ".png")
SKIP_WORDS = ("export", "telecharger", "ical", "/fichier")


class _Text(HTMLParser):
    """The text a reader sees: outside <script>/<style>, plus button and link titles; without
    <code> elements when `literal` is false (a code shown on purpose, as a code)."""

    def __init__(self, hidden_tags=("script", "style", "template")):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._hidden_tags = hidden_tags

    def handle_starttag(self, tag, attrs):
        if tag in self._hidden_tags:
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self._hidden_tags:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, literal: bool = True) -> str:
    """`literal=False` leaves out `<code>` elements: codes a page shows on purpose, for people
    who type them (an import file's accepted values, an exam type's own code)."""
    parser = _Text() if literal else _Text(("script", "style", "template", "code"))
    parser.feed(html)
    return "\n".join(parser.parts)


def _kind(url: str) -> str:
    """Pages of one kind share a URL once ids are blanked (one of each kind is enough)."""
    return re.sub(r"/\d+/", "/N/", re.sub(r"\?.*", "", url))


def _wanted(url: str) -> bool:
    return not (
        url.startswith(SKIP_PREFIXES)
        or url.split("?")[0].endswith(SKIP_SUFFIXES)
        or any(w in url for w in SKIP_WORDS)
    )


def crawl(client, depth: int = 2, per_kind: int = 1, limit: int = 120, **headers):
    """`{url: (status, html)}` of the pages reached from the home page."""
    seen: dict[str, tuple[int, str]] = {}
    kinds: dict[str, int] = {}
    frontier = ["/"]
    for _level in range(depth + 1):
        following = []
        for url in frontier:
            if url in seen or len(seen) >= limit:
                continue
            kind = _kind(url)
            if kinds.get(kind, 0) >= per_kind:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            response = client.get(url, **headers)
            html = response.content.decode() if "html" in response.get("Content-Type", "") else ""
            seen[url] = (response.status_code, html)
            if response.status_code == 200:
                following += [h.replace("&amp;", "&") for h in HREF.findall(html) if _wanted(h)]
        frontier = list(dict.fromkeys(following))
    return seen
