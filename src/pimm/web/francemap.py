"""Offline map of metropolitan France's départements, for plotting sites on the dashboard.

Django-free on purpose: the dashboard view only passes the results to the ``web/_france_map.html``
fragment, and tests can exercise the geometry without settings. No tiles and no network at
runtime: the boundaries are a pre-projected, pre-simplified SVG path per département, generated
once by ``scripts/build_france_map.py`` into ``static/web/map/departements.json``.

Sites are projected with the very same function and parameters that produced the paths (the
``projection`` block of the JSON), so a marker lands in the right département.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources
from typing import Any

# Lambert-93 (EPSG:2154): the official conic conformal projection for metropolitan France, on
# the GRS80 ellipsoid. The build script copies these into the JSON; ``project`` reads them back
# from there, so the JSON stays the single source of truth at runtime.
LAMBERT93: dict[str, float] = {
    "a": 6378137.0,
    "inv_f": 298.257222101,
    "lat_1": 44.0,
    "lat_2": 49.0,
    "lat_0": 46.5,
    "lon_0": 3.0,
    "x_0": 700000.0,
    "y_0": 6600000.0,
}

DATA_PACKAGE = "pimm.web"
DATA_PATH = ("static", "web", "map", "departements.json")


def lambert_conformal_conic(lat: float, lon: float, p: dict[str, float]) -> tuple[float, float]:
    """Project WGS84 degrees to metres (easting, northing) with the ellipsoidal LCC (EPSG 9802).

    Ellipsoidal rather than spherical so the output matches real Lambert-93 coordinates to the
    metre, which keeps the door open to mixing in IGN data expressed in EPSG:2154.
    """
    a = p["a"]
    f = 1.0 / p["inv_f"]
    e = math.sqrt(2 * f - f * f)

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi: float) -> float:
        es = e * math.sin(phi)
        return math.tan(math.pi / 4 - phi / 2) / ((1 - es) / (1 + es)) ** (e / 2)

    phi1, phi2, phi0 = (math.radians(p[k]) for k in ("lat_1", "lat_2", "lat_0"))
    n = (math.log(m(phi1)) - math.log(m(phi2))) / (math.log(t(phi1)) - math.log(t(phi2)))
    big_f = m(phi1) / (n * t(phi1) ** n)
    rho0 = a * big_f * t(phi0) ** n
    rho = a * big_f * t(math.radians(lat)) ** n
    theta = n * math.radians(lon - p["lon_0"])
    return p["x_0"] + rho * math.sin(theta), p["y_0"] + rho0 - rho * math.cos(theta)


def to_svg(easting: float, northing: float, p: dict[str, float]) -> tuple[float, float]:
    """Metres to SVG user units: shift to the map's top-left corner, scale, and flip y (SVG y
    grows downwards, northings grow upwards)."""
    s = p["units_per_metre"]
    return (easting - p["origin_x"]) * s, (p["origin_y"] - northing) * s


@cache
def _data() -> dict[str, Any]:
    """Read the generated JSON once per process: it is static, ~100 KB, and read on every
    dashboard render."""
    ref = resources.files(DATA_PACKAGE).joinpath(*DATA_PATH)
    return json.loads(ref.read_text(encoding="utf-8"))


def projection() -> dict[str, float]:
    """The projection parameters the paths were generated with."""
    return _data()["projection"]


def project(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 latitude/longitude (degrees) to SVG (x, y) in the map's viewBox, rounded to 0.1."""
    p = projection()
    x, y = to_svg(*lambert_conformal_conic(lat, lon, p), p)
    return round(x, 1), round(y, 1)


def load_departements() -> list[dict[str, str]]:
    """The 96 metropolitan départements as ``{"code", "name", "d"}`` (absolute M/L/Z SVG path)."""
    return _data()["departements"]


def view_box() -> str:
    """The SVG ``viewBox`` attribute ("minx miny width height") covering all départements."""
    return _data()["viewBox"]


def site_markers(sites: list[tuple[str, float, float]]) -> list[dict[str, Any]]:
    """Turn ``(label, lat, lon)`` triples into ``{"label", "x", "y"}`` markers for the template.

    Sites without coordinates (``None``) are skipped rather than drawn at the origin.
    """
    markers = []
    for label, lat, lon in sites:
        if lat is None or lon is None:
            continue
        x, y = project(lat, lon)
        markers.append({"label": label, "x": x, "y": y})
    return markers


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def zoom_box(codes, points=(), margin: float = 40.0) -> str:
    """A ``viewBox`` framing the départements ``codes`` and the (x, y) ``points`` (the sites'
    markers) with ``margin`` user units around them, kept inside the whole map and no narrower
    than a fifth of it (one small département is not a useful map); the whole map when there is
    nothing to frame."""
    xs: list[float] = []
    ys: list[float] = []
    wanted = set(codes)
    for dep in load_departements():
        if dep["code"] in wanted:
            numbers = [float(n) for n in _NUMBER.findall(dep["d"])]
            xs += numbers[0::2]
            ys += numbers[1::2]
    for x, y in points:
        xs.append(x)
        ys.append(y)
    if not xs:
        return view_box()
    min_x, min_y, width, height = (float(v) for v in view_box().split())
    least = width / 5
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    if x1 - x0 < least:
        x0, x1 = (x0 + x1 - least) / 2, (x0 + x1 + least) / 2
    if y1 - y0 < least:
        y0, y1 = (y0 + y1 - least) / 2, (y0 + y1 + least) / 2
    x0, y0 = max(x0, min_x), max(y0, min_y)
    x1, y1 = min(x1, min_x + width), min(y1, min_y + height)
    return f"{x0:.0f} {y0:.0f} {x1 - x0:.0f} {y1 - y0:.0f}"
