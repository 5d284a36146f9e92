#!/usr/bin/env python3
"""Build ``src/pimm/web/static/web/map/departements.json`` from a départements GeoJSON.

Why: the dashboard draws an offline SVG map of metropolitan France (no tiles, no network at
runtime). This script does the heavy lifting once: project to Lambert-93, simplify, and write
one absolute ``M/L/Z`` SVG path per département, small enough (~100 KB) to inline in a page.

Source used (re-run with the same file to reproduce the committed output)::

    # fetched snapshot of https://github.com/gregoiredavid/france-geojson (commit 5d34ee6)
    git --git-dir=<mirror> show HEAD:departements-version-simplifiee.geojson > /tmp/dep.geojson
    python scripts/build_france_map.py /tmp/dep.geojson

Data licence: IGN ADMIN EXPRESS via france-geojson, Licence Ouverte / Open Licence (Etalab).

The simplification preserves topology: every ring is cut at its junction vertices (where the
set of départements sharing a vertex changes), and each resulting chain is simplified with
Douglas-Peucker in a canonical direction, so a border shared by two départements is simplified
identically on both sides (no slivers or gaps between neighbours). Pure Python, no shapely.

Projection: ``pimm.web.francemap.lambert_conformal_conic`` with ``LAMBERT93`` — the very
function ``francemap.project`` uses for site markers at runtime.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pimm.web.francemap import LAMBERT93, lambert_conformal_conic, to_svg  # noqa: E402

DEFAULT_OUT = ROOT / "src" / "pimm" / "web" / "static" / "web" / "map" / "departements.json"
UNITS_PER_METRE = 0.001  # SVG user unit = 1 km: readable numbers, ~1000 units across
MARGIN_KM = 10.0
LICENCE = (
    "Boundaries: IGN ADMIN EXPRESS via github.com/gregoiredavid/france-geojson "
    "(departements-version-simplifiee.geojson), Licence Ouverte / Open Licence (Etalab) - "
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence. Projected to Lambert-93 and "
    "simplified by scripts/build_france_map.py."
)

Point = tuple[float, float]


def perpendicular_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from p to segment ab (to the endpoint if ab is degenerate)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    u = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - u * dx, p[1] - a[1] - u * dy)


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Classic Douglas-Peucker, iterative (no recursion limit on long coastlines)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        best, best_k = -1.0, -1
        for k in range(i + 1, j):
            d = perpendicular_distance(points[k], points[i], points[j])
            if d > best:
                best, best_k = d, k
        if best > tolerance:
            keep[best_k] = True
            stack += [(i, best_k), (best_k, j)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def ring_area(ring: list[Point]) -> float:
    """Unsigned shoelace area."""
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2


def key(lonlat: list[float]) -> tuple[float, float]:
    """Vertex identity across features (the source shares exact vertices between neighbours)."""
    return round(lonlat[0], 7), round(lonlat[1], 7)


def polygons_of(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    raise ValueError(f"unsupported geometry {geometry['type']}")


def simplify_ring(
    ring: list[list[float]],
    owners: dict[tuple[float, float], frozenset[int]],
    xy: dict[tuple[float, float], Point],
    tolerance: float,
) -> list[Point]:
    """Simplify one closed ring (without its repeated closing vertex), topology-aware."""
    keys = [key(v) for v in ring]
    if keys[0] == keys[-1]:
        keys = keys[:-1]
    n = len(keys)
    fixed = [
        i
        for i in range(n)
        if owners[keys[i]] != owners[keys[i - 1]] or owners[keys[i]] != owners[keys[(i + 1) % n]]
    ]
    if len(fixed) < 2:
        # Island or ring with a single neighbour: anchor on a canonical vertex and the vertex
        # farthest from it, which both sides of a shared ring would pick alike.
        first = min(range(n), key=lambda i: keys[i])
        far = max(range(n), key=lambda i: math.dist(xy[keys[i]], xy[keys[first]]))
        fixed = sorted({first, far})
    out: list[Point] = []
    for a, b in zip(fixed, fixed[1:] + [fixed[0] + n], strict=True):
        chain = [keys[i % n] for i in range(a, b + 1)]
        reverse = chain[-1] < chain[0]  # canonical direction: same result from both sides
        if reverse:
            chain.reverse()
        simplified = douglas_peucker([xy[k] for k in chain], tolerance)
        if reverse:
            simplified.reverse()
        out.extend(simplified[:-1])
    return out


def fmt(v: float, precision: int) -> str:
    s = f"{v:.{precision}f}"
    if precision:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def build(source: Path, tolerance: float, precision: int, min_area: float) -> dict[str, object]:
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    features = [f for f in features if not str(f["properties"]["code"]).startswith("97")]
    features.sort(key=lambda f: f["properties"]["code"])

    owners_sets: dict[tuple[float, float], set[int]] = defaultdict(set)
    lambert: dict[tuple[float, float], Point] = {}
    for i, feature in enumerate(features):
        for polygon in polygons_of(feature["geometry"]):
            for ring in polygon:
                for lon, lat in ring:
                    k = key([lon, lat])
                    owners_sets[k].add(i)
                    if k not in lambert:
                        lambert[k] = lambert_conformal_conic(lat, lon, LAMBERT93)
    owners = {k: frozenset(v) for k, v in owners_sets.items()}

    xs = [p[0] for p in lambert.values()]
    ys = [p[1] for p in lambert.values()]
    margin = MARGIN_KM / UNITS_PER_METRE
    proj = {
        "name": "Lambert-93 (EPSG:2154), ellipsoidal Lambert conformal conic on GRS80",
        **LAMBERT93,
        "units_per_metre": UNITS_PER_METRE,
        "origin_x": math.floor((min(xs) - margin) / 1000) * 1000.0,
        "origin_y": math.ceil((max(ys) + margin) / 1000) * 1000.0,
    }
    width = math.ceil((max(xs) + margin - proj["origin_x"]) * UNITS_PER_METRE)
    height = math.ceil((proj["origin_y"] - (min(ys) - margin)) * UNITS_PER_METRE)
    xy = {k: to_svg(*p, proj) for k, p in lambert.items()}

    departements = []
    for feature in features:
        parts = []
        polygons = polygons_of(feature["geometry"])
        for polygon in polygons:
            for ring_index, ring in enumerate(polygon):
                pts = simplify_ring(ring, owners, xy, tolerance)
                rounded: list[tuple[str, str]] = []
                for x, y in pts:
                    p = (fmt(x, precision), fmt(y, precision))
                    if not rounded or rounded[-1] != p:
                        rounded.append(p)
                if len(rounded) > 1 and rounded[0] == rounded[-1]:
                    rounded.pop()
                area = ring_area([(float(x), float(y)) for x, y in rounded])
                # Drop specks (islets, tiny enclaves) but never a département's only polygon.
                speck = area < min_area and (ring_index > 0 or len(polygons) > 1)
                if len(rounded) < 3 or speck:
                    continue
                parts.append("M" + "L".join(f"{x} {y}" for x, y in rounded) + "Z")
        departements.append(
            {
                "code": str(feature["properties"]["code"]),
                "name": feature["properties"]["nom"],
                "d": "".join(parts),
            }
        )

    return {
        "_licence": LICENCE,
        "viewBox": f"0 0 {width} {height}",
        "projection": proj,
        "departements": departements,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="départements GeoJSON (WGS84 lon/lat)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--tolerance", type=float, default=1.0, help="Douglas-Peucker tolerance, km (SVG units)"
    )
    parser.add_argument("--precision", type=int, default=1, help="decimals kept in the paths")
    parser.add_argument(
        "--min-area", type=float, default=3.0, help="drop islets smaller than this, km²"
    )
    args = parser.parse_args(argv)

    data = build(args.source, args.tolerance, args.precision, args.min_area)
    n = len(data["departements"])  # type: ignore[arg-type]
    if n != 96:
        print(f"warning: {n} départements, expected 96 metropolitan ones", file=sys.stderr)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()) / 1024:.1f} KiB, {n} départements)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
