"""The Dữ kiện tab in a real browser, on the seeds: dates day/month/year, the "Căn cứ" column (the inspection's basis,
not every reference), the map of Việt Nam with both archipelagos named, its colour scale clear of every name at 400 px
and its PNG export. The server and browser are test_ui_browser's (one server for this module)."""

import re

import httpx
from test_ui_browser import _loopback, browser, pytestmark, server  # noqa: F401 - fixtures and the Chromium skip

HEADERS = ["Đoàn", "Cơ quan", "Trưởng đoàn", "Phó Trưởng đoàn", "Tỉnh / đơn vị", "Ngày", "Căn cứ", "Nguồn"]


def _facts_tab(page, url):
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("tab", name="Dữ kiện").click()
    expect(page.locator("#rag-map .js-plotly-plot")).to_be_visible(timeout=30_000)
    expect(page.locator("#rag-facts")).to_contain_text("Đắk Lắk", timeout=30_000)


def _rows(page):
    """The facts table as {province: {header: cell}} (Gradio's table: rows of grid cells)."""
    rows = {}
    for tr in page.locator("#rag-facts [role=row].virtual-row").all():
        cells = [c.inner_text().strip() for c in tr.locator("[role=gridcell]").all()]
        row = dict(zip(HEADERS, cells, strict=True))
        rows[row["Tỉnh / đơn vị"]] = row
    return rows


def test_seed_facts_dates_basis_and_the_map_of_vietnam(server, browser):  # noqa: F811 - pytest fixtures
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    _facts_tab(page, server.url)

    rows = _rows(page)
    tra_vinh, dak_lak = rows["Trà Vinh"], rows["Đắk Lắk"]
    assert (tra_vinh["Ngày"], dak_lak["Ngày"]) == ("2/11 (không rõ năm)", "24/4/2024")  # never ISO
    assert tra_vinh["Căn cứ"] == "Quy định số 58-QĐ/TW"  # what is inspected; 21-KL/TW is the province's report
    assert dak_lak["Căn cứ"] == ""  # the province's own Chỉ thị 28-CT/TU is no basis of the inspection

    timeline = page.locator("#rag-timeline")
    ticks = [t.text_content() for t in timeline.locator(".xtick text").all()]
    assert ticks and all(re.fullmatch(r"[1-9]\d?/[1-9]\d?/\d{4}", t) for t in ticks), ticks  # 15/4/2024, not 15/04
    point = timeline.locator(".scatterlayer .point").first.bounding_box()  # under Plotly's drag layer: the mouse
    page.mouse.move(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
    expect(timeline.locator(".hoverlayer")).to_contain_text("24/4/2024")

    vn_map = page.locator("#rag-map")
    assert vn_map.locator(".js-fill").count() >= 3  # the country's outline and the islands of both archipelagos
    expect(vn_map).to_contain_text("Quần đảo Hoàng Sa")
    expect(vn_map).to_contain_text("Quần đảo Trường Sa")
    expect(vn_map).to_contain_text("Trà Vinh")
    assert vn_map.locator(".colorbar").count() == 0  # every province inspected once: no colour scale
    assert requests and [u for u in requests if not _loopback(u)] == []  # no base map fetched from anywhere


ARTICLE = (
    "Ngày 5/6/2024, Đoàn kiểm tra số {team} của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do ông Phạm Văn An, Phó "
    "Trưởng ban Tổ chức Trung ương làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy {province}. Cuộc kiểm tra "
    "được thực hiện theo Kế hoạch số 31-KH/TBBVCTNB của Tiểu ban.\n"
)


def test_on_a_phone_the_colour_scale_covers_no_name_and_the_map_exports_as_png(server, browser, tmp_path):  # noqa: F811
    api = server.url.rstrip("/") + "/api/documents"
    for team, (name, province) in enumerate((("tv2.txt", "Trà Vinh"), ("tv3.txt", "Trà Vinh"), ("cm.txt", "Cà Mau"))):
        text = ARTICLE.format(team=7 + team, province=province)
        r = httpx.post(api, files={"files": (name, text.encode())}, timeout=120)
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "added", r.text
    page = browser.new_page(viewport={"width": 400, "height": 1800})
    _facts_tab(page, server.url)
    assert _rows(page)["Cà Mau"]["Căn cứ"] == "Kế hoạch số 31-KH/TBBVCTNB"

    vn_map = page.locator("#rag-map")
    vn_map.locator(".colorbar").wait_for()  # Trà Vinh three times, the others once: a scale of counts
    bar = vn_map.locator(".colorbar").bounding_box()
    names = [t.bounding_box() for t in vn_map.locator(".textpoint text").all()]
    assert len(names) >= 5  # the provinces' names, the archipelagos' and Biển Đông

    def overlap(a, b):
        return not (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )

    assert not [n for n in names if overlap(bar, n)]
    vn_map.hover()
    button = vn_map.locator(".modebar-btn[data-title*='png' i]")  # Plotly's camera: the map as a PNG
    with page.expect_download() as download:
        button.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
