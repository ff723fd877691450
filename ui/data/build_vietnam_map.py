"""Builds vietnam.json (the facts tab's map) from the npm package world-atlas 2.0.2 (Natural Earth 4.1.0, public
domain, as TopoJSON). Run by hand, never at run time; the product reads only the file it writes:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python ui/data/build_vietnam_map.py package/ > ui/data/vietnam.json

Output: {"vietnam": [ring, …], "hoang_sa": [ring, …], "truong_sa": [ring, …]}, a ring [[lon, lat], …] in degrees
(3 decimals, ~100 m). Việt Nam's outline is Natural Earth's 1:10m country, simplified (Douglas-Peucker, 0.01°,
~1 km); islets under 0.03° across are left out of it. Quần đảo Hoàng Sa and Quần đảo Trường Sa are taken, as they
are, from the land of the 1:10m data inside their own bounds, whichever country Natural Earth files them under.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

Point = tuple[float, float]
HOANG_SA = (110.8, 15.5, 113.0, 17.3)  # lon0, lat0, lon1, lat1
TRUONG_SA = (111.0, 6.0, 116.8, 12.0)


def _arcs(topo: dict[str, Any]) -> list[list[Point]]:
    """TopoJSON's quantized, delta-encoded arcs as degrees."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _rings(arcs: list[list[Point]], geometry: dict[str, Any]) -> list[list[Point]]:
    """The outer ring of each polygon (none of these have holes)."""
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    rings = []
    for polygon in polygons:
        ring: list[Point] = []
        for i in polygon[0]:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            ring += arc if not ring else arc[1:]
        rings.append(ring)
    return rings


def _simplified(points: list[Point], tolerance: float) -> list[Point]:
    if len(points) < 3:
        return points
    (ax, ay), (bx, by) = points[0], points[-1]
    length = math.hypot(bx - ax, by - ay)
    far, index = -1.0, 0
    for i, (x, y) in enumerate(points[1:-1], 1):
        d = abs((by - ay) * (x - ax) - (bx - ax) * (y - ay)) / length if length else math.hypot(x - ax, y - ay)
        if d > far:
            far, index = d, i
    if far <= tolerance:
        return [points[0], points[-1]]
    return _simplified(points[: index + 1], tolerance)[:-1] + _simplified(points[index:], tolerance)


def _inside(ring: list[Point], box: tuple[float, float, float, float]) -> bool:
    return all(box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in ring)


def _rounded(ring: list[Point]) -> list[list[float]]:
    return [[round(x, 3), round(y, 3)] for x, y in ring]


def main(folder: Path) -> dict[str, list[list[list[float]]]]:
    countries = json.loads((folder / "countries-10m.json").read_text())
    arcs = _arcs(countries)
    [vietnam] = [g for g in countries["objects"]["countries"]["geometries"] if g["properties"]["name"] == "Vietnam"]
    outline = []
    for ring in _rings(arcs, vietnam):
        size = max(max(x for x, _ in ring) - min(x for x, _ in ring), max(y for _, y in ring) - min(y for _, y in ring))
        simple = _simplified(ring, 0.01)
        if size >= 0.03 and len(simple) >= 4:
            outline.append(_rounded(simple))
    land = json.loads((folder / "land-10m.json").read_text())
    land_arcs = _arcs(land)
    islands = [r for g in land["objects"]["land"]["geometries"] for r in _rings(land_arcs, g)]
    return {
        "vietnam": outline,
        "hoang_sa": [_rounded(r) for r in islands if _inside(r, HOANG_SA)],
        "truong_sa": [_rounded(r) for r in islands if _inside(r, TRUONG_SA)],
    }


if __name__ == "__main__":
    json.dump(main(Path(sys.argv[1])), sys.stdout, separators=(",", ":"))
