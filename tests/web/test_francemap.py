"""The offline département map: projection lands sites in the right département, data is sane."""

import re
from importlib import resources

import pytest

from pimm.web import francemap

LYON = (45.764, 4.8357)
PARIS = (48.8566, 2.3522)
BREST = (48.3904, -4.4861)
STRASBOURG = (48.5734, 7.7521)
AJACCIO = (41.9192, 8.7386)
MARSEILLE = (43.2965, 5.3698)

PATH_RE = re.compile(r"[MLZ]|-?\d+(?:\.\d+)?")


def rings(d: str) -> list[list[tuple[float, float]]]:
    """Parse an absolute M/L/Z path into rings; fail on any other command."""
    assert re.fullmatch(r"[MLZ0-9.\- ]+", d), "paths must be absolute M/L/Z only"
    out: list[list[tuple[float, float]]] = []
    nums: list[float] = []
    for tok in PATH_RE.findall(d):
        if tok == "M":
            out.append([])
        elif tok in "LZ":
            continue
        else:
            nums.append(float(tok))
            if len(nums) == 2:
                out[-1].append((nums[0], nums[1]))
                nums = []
    return out


def contains(d: str, x: float, y: float) -> bool:
    """Even-odd point-in-polygon over all subpaths (holes included), as the CSS fill-rule."""
    inside = False
    for ring in rings(d):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def dep(code: str) -> dict[str, str]:
    return next(d for d in francemap.load_departements() if d["code"] == code)


def bbox(d: str) -> tuple[float, float, float, float]:
    pts = [p for ring in rings(d) for p in ring]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def test_96_metropolitan_departements_including_corsica():
    codes = [d["code"] for d in francemap.load_departements()]
    assert len(codes) == len(set(codes)) == 96
    assert {"2A", "2B", "01", "95", "75"} <= set(codes)
    assert not any(c.startswith("97") for c in codes)
    assert all(d["name"] and d["d"].startswith("M") for d in francemap.load_departements())


@pytest.mark.parametrize(
    ("point", "code"),
    [
        (LYON, "69"),
        (PARIS, "75"),
        (BREST, "29"),
        (STRASBOURG, "67"),
        (AJACCIO, "2A"),
        (MARSEILLE, "13"),
    ],
)
def test_city_projects_inside_its_departement(point, code):
    x, y = francemap.project(*point)
    minx, miny, maxx, maxy = bbox(dep(code)["d"])
    assert minx <= x <= maxx and miny <= y <= maxy
    assert contains(dep(code)["d"], x, y)
    # ... and in no other département.
    others = [d["code"] for d in francemap.load_departements() if contains(d["d"], x, y)]
    assert others == [code]


def test_orientation():
    brest, strasbourg = francemap.project(*BREST), francemap.project(*STRASBOURG)
    assert brest[0] < strasbourg[0]  # west is left
    assert francemap.project(*PARIS)[1] < francemap.project(*MARSEILLE)[1]  # north is up


def test_projection_is_lambert93():
    """Origin of Lambert-93 (46.5°N, 3°E) is (700 000 m, 6 600 000 m) by definition."""
    p = francemap.projection()
    e, n = francemap.lambert_conformal_conic(46.5, 3.0, p)
    assert (e, n) == pytest.approx((700000.0, 6600000.0), abs=1e-6)
    assert {k: p[k] for k in francemap.LAMBERT93} == francemap.LAMBERT93


def test_markers_inside_viewbox():
    markers = francemap.site_markers([("Lyon", *LYON), ("Ajaccio", *AJACCIO), ("x", None, None)])
    assert [m["label"] for m in markers] == ["Lyon", "Ajaccio"]
    minx, miny, w, h = map(float, francemap.view_box().split())
    for m in markers:
        assert minx <= m["x"] <= minx + w and miny <= m["y"] <= miny + h


def test_json_is_small_and_licensed():
    ref = resources.files("pimm.web").joinpath("static", "web", "map", "departements.json")
    raw = ref.read_bytes()
    assert len(raw) < 200 * 1024
    assert b"Licence Ouverte" in raw[:1000]
