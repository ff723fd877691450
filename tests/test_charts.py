"""The Dữ kiện tab's timeline and map: records -> points -> figure data, on hand-made record rows."""

from conftest import ROOT

from rag.vn.dates import row_date, shown_date
from rag.vn.gazetteer import PROVINCES
from rag.vn.geo import BOUNDS, CENTRES
from ui import charts


def _row(team, body, province, date, leader="", units="", source="/a/bai.txt"):
    return {
        "team": team,
        "body": body,
        "province": province,
        "date": date,
        "leader": leader,
        "units": units,
        "source": source,
    }


ROWS = [
    _row(5, "Tiểu ban BVCTNB TW", "Trà Vinh", "2024-05-14", "Nguyễn Văn Một"),
    _row(4, "Tiểu ban BVCTNB TW", "Đắk Lắk", "2023-04-24", "Lê Thị Hai", source="/a/dl.txt#2"),
    _row(2, "Bộ Công an", "Trà Vinh", "2024-06-02", "Trần <b>Ba</b>"),
    _row("", "", "", row_date("--11-02"), units="Đảng ủy Khối"),  # no year, no province
    _row(7, "Ban Tổ chức TW", "Bà Rịa - Vũng Tàu", "2025-03-01"),
    _row(8, "Ban Tổ chức TW", "Hà Giang", "2024-04-31"),  # a misprinted day: off the axis, no crash
]


def test_every_province_has_a_centre_inside_vietnam():
    lat0, lat1, lon0, lon1 = BOUNDS
    assert {p.name for p in PROVINCES} == set(CENTRES)
    assert all(lat0 <= lat <= lat1 and lon0 <= lon <= lon1 for lat, lon in CENTRES.values())
    assert CENTRES["Hà Nội"][0] > CENTRES["Đà Nẵng"][0] > CENTRES["TP. Hồ Chí Minh"][0]  # north to south


def test_an_unknown_year_is_said_in_rows_and_never_placed_on_the_timeline():
    assert row_date("--11-02") == "2/11 (không rõ năm)" and row_date("2024-05-14") == "2024-05-14"
    assert shown_date("2024-05-14") == "14/5/2024" and shown_date(row_date("--11-02")) == "2/11 (không rõ năm)"
    points, undated = charts.timeline_points(ROWS)
    assert undated == 2
    assert [p["date"] for p in points] == ["2023-04-24", "2024-05-14", "2024-06-02", "2025-03-01"]
    assert (
        points[1]["team"] == "Đoàn số 5" and "Nguyễn Văn Một" in points[1]["hover"] and "bai.txt" in points[1]["hover"]
    )
    assert "&lt;b&gt;Ba&lt;/b&gt;" in points[2]["hover"]  # an article's markup is text in a tooltip
    quoted = charts._hover(_row(1, "x", "", "2024-01-02", units='Công ty "Cảng Sài Gòn"'))
    assert 'Công ty "Cảng Sài Gòn"' in quoted  # plotly.js shows &quot; as it is: quotes stay quotes


def test_the_map_counts_records_per_province_and_names_the_merged_ones():
    points = charts.map_points(ROWS)
    assert [(p["name"], p["province"], p["count"]) for p in points] == [
        ("Trà Vinh", "Trà Vinh (nay thuộc Vĩnh Long)", 2),
        ("Đắk Lắk", "Đắk Lắk", 1),
        ("Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu (nay thuộc TP. Hồ Chí Minh)", 1),
        ("Hà Giang", "Hà Giang (nay thuộc Tuyên Quang)", 1),  # on the map even with a misprinted day
    ]
    assert (points[0]["lat"], points[0]["lon"]) == CENTRES["Trà Vinh"]
    assert any("Trần" in line for line in points[0]["records"]) and "dl.txt" in points[1]["records"][0]


def test_the_timeline_writes_dates_day_month_year():
    timeline = charts.timeline_figure(ROWS)
    assert [t.name for t in timeline.data] == ["Tiểu ban BVCTNB TW", "Bộ Công an", "Ban Tổ chức TW"]
    assert list(timeline.data[0].y) == ["Đoàn số 4", "Đoàn số 5"]
    assert "2 bản ghi không có trên trục vì bài báo không nêu đủ ngày, tháng, năm." in timeline.layout.title.text
    assert timeline.layout.xaxis.tickformat == "%-d/%-m/%Y"  # 24/4/2023, as the table writes it
    assert " · 24/4/2023 · " in timeline.data[0].hovertext[0]


def _inside(lon, lat, ring):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def test_the_bundled_outline_is_vietnam_with_both_archipelagos():
    land = charts._land()
    lat0, lat1, lon0, lon1 = BOUNDS
    assert all(lon0 <= x <= lon1 and lat0 <= y <= lat1 for ring in land["vietnam"] for x, y in ring)
    # a province's capital is on the land (Hạ Long, on the bay's shore, within 0.1° of it)
    near = [(x, y) for ring in land["vietnam"] for x, y in ring]
    for name, (lat, lon) in CENTRES.items():
        on_land = any(_inside(lon, lat, ring) for ring in land["vietnam"])
        assert on_land or min(abs(x - lon) + abs(y - lat) for x, y in near) < 0.1, name
    hoang_sa = [(x, y) for ring in land["hoang_sa"] for x, y in ring]
    truong_sa = [(x, y) for ring in land["truong_sa"] for x, y in ring]
    assert len(land["hoang_sa"]) >= 5 and all(111 <= x <= 113 and 15.5 <= y <= 17.3 for x, y in hoang_sa)
    assert len(land["truong_sa"]) >= 10 and all(111 <= x <= 117 and 6 <= y <= 12 for x, y in truong_sa)
    assert (ROOT / "ui" / "data" / "vietnam.json").stat().st_size < 50_000  # small enough to ship with the page


def test_the_map_draws_vietnam_and_names_its_archipelagos_without_a_downloaded_base_map():
    vn_map = charts.map_figure(ROWS)
    assert all(t.type == "scatter" for t in vn_map.data) and not vn_map.layout.geo.to_plotly_json()  # no geo: no fetch
    lands = {t.name: t for t in vn_map.data if t.fill == "toself"}
    assert list(lands) == ["Việt Nam", "Quần đảo Hoàng Sa", "Quần đảo Trường Sa"]
    assert len({t.fillcolor for t in lands.values()}) == 1  # the islands drawn as the mainland: Việt Nam's
    [names] = [t for t in vn_map.data if t.mode == "text"]
    assert {"Quần đảo Hoàng Sa", "Quần đảo Trường Sa"} <= {t.replace(" <br>", " ") for t in names.text}
    assert not vn_map.layout.xaxis.visible and not vn_map.layout.yaxis.visible  # a map, not a chart of degrees
    inspected = vn_map.data[-1]
    assert list(inspected.text) == ["Trà Vinh", "Đắk Lắk", "Bà Rịa - Vũng Tàu", "Hà Giang"]
    assert inspected.marker.size[0] > inspected.marker.size[1]  # sized by the number of inspections
    assert inspected.hovertext[0].startswith("Trà Vinh (nay thuộc Vĩnh Long): 2 cuộc<br>Đoàn số 5")
    empty = charts.map_figure([])
    assert len(empty.data[-1].x) == 0 and len(empty.data) == len(vn_map.data)  # no records: the country alone


def test_a_colour_scale_only_where_counts_differ_and_under_the_map():
    differ = charts.map_figure(ROWS).data[-1].marker
    assert list(differ.color) == [2, 1, 1, 1] and differ.showscale and (differ.cmin, differ.cmax) == (1, 2)
    bar = differ.colorbar
    assert bar.orientation == "h" and bar.y < 0 and bar.yanchor == "top"  # below the plot: no label is there
    assert list(bar.tickvals) == [1, 2]
    alike = charts.map_figure([r for r in ROWS if r["province"] != "Trà Vinh"]).data[-1].marker
    assert not alike.showscale and isinstance(alike.color, str)  # every count 1: one colour, no 0–1 bar


def test_names_stand_clear_of_each_other_where_a_side_is_free():
    points = charts.map_points([_row(1, "x", p, "2024-01-02") for p in ("Hà Nội", "Bắc Ninh")])
    sides = charts.label_sides(points)
    assert sides == ["middle left", "middle right"]  # Bắc Ninh's name east of its point: Hà Nội's to the west
    boxes = [charts._box(p["name"], p["lon"], p["lat"], side) for p, side in zip(points, sides, strict=True)]
    boxes += [charts._box(*name) for name in charts._NAMES]
    assert not any(charts._overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert charts.label_sides(charts.map_points(ROWS[:2])) == ["middle right", "middle right"]
