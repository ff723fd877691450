"""The Dữ kiện tab's pictures: a timeline of inspections and a map of provinces shaded by their number, from the
same record rows as the table (`rag.facts.record_rows`, after the same filters).

Records -> points (plain dicts, tested) -> Plotly figures (Gradio's Plot draws them with the plotly.js it bundles).
The map is drawn on plain longitude/latitude axes, not Plotly's geo base map (which it would download): Việt Nam's
outline and its two archipelagos from the bundled ui/data/vietnam.json (Natural Earth, public domain), the provinces
as points at their capitals (`rag.vn.geo`). Both figures export as PNG from their toolbar (Plotly's camera button).
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections import defaultdict
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from rag import CENTRES, PROVINCES, shown_date, source_file

__all__ = ["timeline_points", "map_points", "label_sides", "timeline_figure", "map_figure"]

_MERGED = {p.name: p.merged_into for p in PROVINCES if p.merged_into}
_MARGIN = timedelta(days=15)
# the map: the mainland and both archipelagos in view; sea, land, coast and point colours
_LON, _LAT = (101.8, 117.4), (6.9, 23.8)
_ASPECT = 1 / math.cos(math.radians(16))
_SEA, _LAND, _COAST, _POINT = "#dceaf5", "#f6f3ea", "#7d8a96", "#d7301f"
# names on the map: (name, lon, lat, where it stands from that point); the archipelagos' on two lines, east of Hoàng
# Sa and under Trường Sa, where the provinces' names (east of their points) do not reach on a phone's narrow map
_NAMES = [
    ("Quần đảo <br>Hoàng Sa", 112.9, 16.35, "middle right"),
    ("Quần đảo <br>Trường Sa", 114.9, 9.6, "bottom center"),
    ("<i>Biển Đông</i>", 113.3, 13.4, "middle center"),
]
_PX = 17  # pixels a degree of longitude on the narrowest map: a page 400 px wide draws it ~270 px wide
_LANDS = {"vietnam": "Việt Nam", "hoang_sa": "Quần đảo Hoàng Sa", "truong_sa": "Quần đảo Trường Sa"}
# counts from few to many, the fewest still a visible orange on the land's colour
_SCALE = [[0.0, "#fdbb84"], [0.5, "#ef6548"], [1.0, "#990000"]]


def _team(row: dict[str, Any]) -> str:
    return f"Đoàn số {row['team']}" if row["team"] != "" else "Đoàn (không rõ số)"


def _hover(row: dict[str, Any]) -> str:
    """One record for a tooltip: team, date, leader, place, source file. Escaped: Plotly reads tags in hover text
    (<br>, <a href>, ...), and these are an article's own words."""
    place = row["province"] or row["units"] or "không rõ nơi"
    day = shown_date(row["date"]) or "không rõ ngày"
    leader = row["leader"] or "không rõ trưởng đoàn"
    text = f"{_team(row)} · {day} · {leader} · {place} · {Path(source_file(row['source'])).name}"
    return html.escape(text, quote=False)  # plotly.js decodes &lt; &gt; &amp; but not &quot;


def timeline_points(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """(points of the records whose date has a year, sorted by date; how many records could not be placed)."""
    points = [
        {"date": r["date"], "team": _team(r), "body": r["body"] or "không rõ cơ quan", "hover": _hover(r)}
        for r in rows
        if _day(r["date"])
    ]
    return sorted(points, key=lambda p: p["date"]), len(rows) - len(points)


def _day(value: str) -> date | None:
    """A row's date as a day, when it is a real one with its year (not '2/11 (bài không nêu năm)', nor a 31 April
    an article misprinted)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def map_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per province the records name: its centre, the count and the records' lines (count first);
    `name` is the map's label, `province` the hover's (a merged province names the one it joined)."""
    by_province: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["province"] in CENTRES:
            by_province[r["province"]].append(_hover(r))
    points = []
    for name, lines in by_province.items():
        lat, lon = CENTRES[name]
        label = f"{name} (nay thuộc {_MERGED[name]})" if name in _MERGED else name
        points.append({"name": name, "province": label, "lat": lat, "lon": lon, "count": len(lines), "records": lines})
    return sorted(points, key=lambda p: -p["count"])


@functools.cache
def _land() -> dict[str, list[list[list[float]]]]:
    """Việt Nam's outline and the archipelagos' islands: {"vietnam"|"hoang_sa"|"truong_sa": [[[lon, lat], …], …]}
    (ui/data/vietnam.json, from Natural Earth: see ui/data/README.md)."""
    return json.loads(resources.files("ui").joinpath("data/vietnam.json").read_text(encoding="utf-8"))


def _path(rings: list[list[list[float]]]) -> tuple[list[float | None], list[float | None]]:
    """Rings as one Plotly path (x, y), each closed shape apart from the next by a gap."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        xs += [x for x, _ in ring] + [None]
        ys += [y for _, y in ring] + [None]
    return xs, ys


def timeline_figure(rows: list[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    points, undated = timeline_points(rows)
    fig = go.Figure()
    for body in dict.fromkeys(p["body"] for p in points):  # one colour (and legend entry) per body
        mine = [p for p in points if p["body"] == body]
        fig.add_trace(
            go.Scatter(
                x=[p["date"] for p in mine],
                y=[p["team"] for p in mine],
                mode="markers",
                name=html.escape(body, quote=False),
                marker={"size": 12},
                hovertext=[p["hover"] for p in mine],
                hoverinfo="text",
            )
        )
    note = (
        f"<br><sup>{undated} bản ghi không có trên trục vì bài báo không nêu đủ ngày, tháng, năm.</sup>"
        if undated
        else ""
    )
    if points:  # at least a month around the dates: one point alone would zoom into milliseconds
        first, last = date.fromisoformat(points[0]["date"]), date.fromisoformat(points[-1]["date"])  # valid: _day
        fig.update_xaxes(type="date", tickformat="%-d/%-m/%Y", range=[first - _MARGIN, last + _MARGIN])
    fig.update_layout(
        title=f"Dòng thời gian các cuộc kiểm tra{note}",
        xaxis_title="Ngày",
        yaxis_title="Đoàn",
        legend_title="Cơ quan lập đoàn",
        height=360,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig


def label_sides(points: list[dict[str, Any]]) -> list[str]:
    """Where each point's name stands ("middle right" or "middle left"), north to south, so that names do not
    cover each other or the map's own names where a side is free: east of the point unless that is taken, west if
    that is free and inside the map (boxes as the narrowest map draws them, `_box`)."""
    taken = [_box(name, lon, lat, where) for name, lon, lat, where in _NAMES]
    sides = [""] * len(points)
    for i in sorted(range(len(points)), key=lambda i: -points[i]["lat"]):
        p = points[i]
        for where in ("middle right", "middle left"):
            box = _box(p["name"], p["lon"], p["lat"], where)
            if box[0] >= _LON[0] and not any(_overlap(box, other) for other in taken):
                break
        else:
            where, box = "middle right", _box(p["name"], p["lon"], p["lat"], "middle right")
        sides[i] = where
        taken.append(box)
    return sides


def _box(text: str, lon: float, lat: float, where: str) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1) a name covers: 6.5 px a letter, 14 px a line, ~10 px from its point (a marker's
    radius), at `_PX` pixels a degree."""
    lines = text.replace("<i>", "").replace("</i>", "").split("<br>")
    width, height, gap = max(map(len, lines)) * 6.5 / _PX, len(lines) * 14 / _PX / _ASPECT, 10 / _PX
    vertical, horizontal = where.split()
    x0 = {"right": lon + gap, "left": lon - gap - width, "center": lon - width / 2}[horizontal]
    y0 = {"middle": lat - height / 2, "bottom": lat - height, "top": lat}[vertical]
    return x0, y0, x0 + width, y0 + height


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def map_figure(rows: list[dict[str, Any]]) -> Any:
    """Việt Nam (its outline, Quần đảo Hoàng Sa and Quần đảo Trường Sa drawn and named as its own) with a point per
    inspected province, sized by its number of inspections, and coloured by it only where the numbers differ (the
    scale then stands under the map, where no label is)."""
    import plotly.graph_objects as go

    land, points = _land(), map_points(rows)
    fig = go.Figure()
    for key, name in _LANDS.items():
        x, y = _path(land[key])
        islands = key != "vietnam"  # a few km across: dots on their outline keep them visible at this scale
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers" if islands else "lines",
                fill="toself",
                fillcolor=_LAND,
                line={"color": _COAST, "width": 0.8},
                marker={"color": _COAST, "size": 3},
                hoverinfo="skip",
                name=name,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[lon for _, lon, _, _ in _NAMES],
            y=[lat for _, _, lat, _ in _NAMES],
            mode="text",
            text=[name for name, _, _, _ in _NAMES],
            textposition=[where for _, _, _, where in _NAMES],
            textfont={"color": "#3b5b7a", "size": 11},
            hoverinfo="skip",
            name="Địa danh",
        )
    )
    counts = [p["count"] for p in points]
    differ = len(set(counts)) > 1
    marker: dict[str, Any] = {
        "size": [12 + 5 * min(c, 6) for c in counts],
        "line": {"color": "white", "width": 1},
        "color": counts if differ else _POINT,
    }
    if differ:
        marker.update(
            colorscale=_SCALE,
            cmin=min(counts),
            cmax=max(counts),
            showscale=True,
            colorbar={
                "title": {"text": "Số cuộc kiểm tra", "side": "top"},
                "orientation": "h",
                "x": 0.5,
                "xanchor": "center",
                "y": -0.01,
                "yanchor": "top",  # under the map, outside it: no label is ever there
                "lenmode": "pixels",
                "len": 240,
                "thickness": 10,
                "tickvals": list(range(min(counts), max(counts) + 1)) if max(counts) - min(counts) <= 10 else None,
            },
        )
    fig.add_trace(
        go.Scatter(
            x=[p["lon"] for p in points],
            y=[p["lat"] for p in points],
            mode="markers+text",
            text=[p["name"] for p in points],
            textposition=label_sides(points),
            textfont={"size": 12},
            cliponaxis=False,  # a name near the edge runs past the axes rather than being cut
            marker=marker,
            hovertext=[f"{p['province']}: {p['count']} cuộc<br>" + "<br>".join(p["records"]) for p in points],
            hoverinfo="text",
            name="Đã kiểm tra",
        )
    )
    hidden = {"visible": False, "fixedrange": False}
    fig.update_layout(
        title="Bản đồ: số cuộc kiểm tra theo tỉnh<br><sup>Chấm càng lớn, càng nhiều cuộc</sup>",
        # a degree of latitude drawn 1/cos(16°) times a degree of longitude: the country's own proportions; the plot
        # narrows to fit (constrain) rather than the ranges widening
        xaxis={**hidden, "range": list(_LON), "constrain": "domain"},
        yaxis={
            **hidden,
            "range": list(_LAT),
            "scaleanchor": "x",
            "scaleratio": _ASPECT,
            "constrain": "domain",
            "constraintoward": "top",  # on a narrow screen the map stands under the title, not mid-height
        },
        plot_bgcolor=_SEA,
        showlegend=False,
        height=600,
        margin={"l": 10, "r": 10, "t": 60, "b": 70 if differ else 10},
    )
    return fig
