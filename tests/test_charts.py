"""The Dữ kiện tab's timeline and map: records -> points -> figure data, on hand-made record rows."""

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
    assert [(p["province"], p["count"]) for p in points] == [
        ("Trà Vinh (nay thuộc Vĩnh Long)", 2),
        ("Đắk Lắk", 1),
        ("Bà Rịa - Vũng Tàu (nay thuộc TP. Hồ Chí Minh)", 1),
        ("Hà Giang (nay thuộc Tuyên Quang)", 1),  # on the map even with a misprinted day
    ]
    assert (points[0]["lat"], points[0]["lon"]) == CENTRES["Trà Vinh"]
    assert any("Trần" in line for line in points[0]["records"]) and "dl.txt" in points[1]["records"][0]


def test_figures_colour_by_body_and_shade_by_count():
    timeline = charts.timeline_figure(ROWS)
    assert [t.name for t in timeline.data] == ["Tiểu ban BVCTNB TW", "Bộ Công an", "Ban Tổ chức TW"]
    assert list(timeline.data[0].y) == ["Đoàn số 4", "Đoàn số 5"]
    assert "2 bản ghi không rõ ngày đủ" in timeline.layout.title.text
    vn_map = charts.map_figure(ROWS)
    outline, inspected = vn_map.data
    assert len(outline.x) == 63 and list(inspected.marker.color) == [2, 1, 1, 1]
    assert inspected.hovertext[0].startswith("Trà Vinh (nay thuộc Vĩnh Long): 2 cuộc<br>Đoàn số 5")
    empty = charts.map_figure([])
    assert len(empty.data[1].x) == 0  # no records: the outline alone, no error
