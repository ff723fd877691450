"""The Dữ kiện tab's pictures: a timeline of inspections and a map of provinces shaded by their number, from the
same record rows as the table (`rag.facts.record_rows`, after the same filters).

Records -> points (plain dicts, tested) -> Plotly figures (Gradio's Plot draws them with the plotly.js it bundles;
no geo base map, which Plotly would download: the map is the provinces' centres on longitude/latitude axes). Both
figures export as PNG from their toolbar (Plotly's camera button).
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rag.vn.dates import shown_date
from rag.vn.gazetteer import PROVINCES
from rag.vn.geo import CENTRES

__all__ = ["timeline_points", "map_points", "timeline_figure", "map_figure"]

_MERGED = {p.name: p.merged_into for p in PROVINCES if p.merged_into}
_MARGIN = timedelta(days=15)


def _team(row: dict[str, Any]) -> str:
    return f"Đoàn số {row['team']}" if row["team"] != "" else "Đoàn (không rõ số)"


def _hover(row: dict[str, Any]) -> str:
    """One record for a tooltip: team, date, leader, place, source file. Escaped: Plotly reads tags in hover text
    (<br>, <a href>, ...), and these are an article's own words."""
    place = row["province"] or row["units"] or "không rõ nơi"
    day = shown_date(row["date"]) or "không rõ ngày"
    leader = row["leader"] or "không rõ trưởng đoàn"
    text = f"{_team(row)} · {day} · {leader} · {place} · {Path(row['source'].split('#', 1)[0]).name}"
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
    """One point per province the records name: its centre, the count and the records' lines (count first)."""
    by_province: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["province"] in CENTRES:
            by_province[r["province"]].append(_hover(r))
    points = []
    for name, lines in by_province.items():
        lat, lon = CENTRES[name]
        label = f"{name} (nay thuộc {_MERGED[name]})" if name in _MERGED else name
        points.append({"province": label, "lat": lat, "lon": lon, "count": len(lines), "records": lines})
    return sorted(points, key=lambda p: -p["count"])


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
    note = f"<br><sup>{undated} bản ghi không rõ ngày đủ (năm) không có trên trục</sup>" if undated else ""
    if points:  # at least a month around the dates: one point alone would zoom into milliseconds
        first, last = date.fromisoformat(points[0]["date"]), date.fromisoformat(points[-1]["date"])  # valid: _day
        fig.update_xaxes(type="date", tickformat="%d/%m/%Y", range=[first - _MARGIN, last + _MARGIN])
    fig.update_layout(
        title=f"Dòng thời gian các cuộc kiểm tra{note}",
        xaxis_title="Ngày",
        yaxis_title="Đoàn",
        legend_title="Cơ quan lập đoàn",
        height=360,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig


def map_figure(rows: list[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    points = map_points(rows)
    fig = go.Figure()
    fig.add_trace(  # every province, faint: the outline of the country
        go.Scatter(
            x=[lon for _, lon in CENTRES.values()],
            y=[lat for lat, _ in CENTRES.values()],
            mode="markers",
            marker={"size": 6, "color": "#d9d9d9"},
            hovertext=list(CENTRES),
            hoverinfo="text",
            name="Tỉnh, thành",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[p["lon"] for p in points],
            y=[p["lat"] for p in points],
            mode="markers+text",
            text=[p["province"] for p in points],
            textposition="middle right",
            cliponaxis=False,  # a name near the edge runs past the axes rather than being cut
            marker={
                "size": [14 + 6 * min(p["count"], 6) for p in points],
                "color": [p["count"] for p in points],
                "colorscale": "OrRd",
                "cmin": 0,
                "cmax": max([p["count"] for p in points], default=1),
                "showscale": True,
                "colorbar": {"title": "Số cuộc", "dtick": 1},
            },
            hovertext=[f"{p['province']}: {p['count']} cuộc<br>" + "<br>".join(p["records"]) for p in points],
            hoverinfo="text",
            name="Đã kiểm tra",
        )
    )
    fig.update_layout(
        title="Bản đồ: số cuộc kiểm tra theo tỉnh",
        # degrees alike on both axes; the plot narrows to fit (constrain) rather than the ranges widening
        xaxis={"title": "Kinh độ", "range": [101.8, 110.2], "constrain": "domain"},
        yaxis={"title": "Vĩ độ", "range": [8.2, 23.7], "scaleanchor": "x", "constrain": "domain"},
        showlegend=False,
        height=640,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig
