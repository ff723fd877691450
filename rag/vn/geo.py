"""Where each province is, for the map of inspections: the centre of its capital (latitude, longitude), for the 63
provinces and cities of `gazetteer.PROVINCES` (those merged on 1 July 2025 keep their own point; the map names the
province they joined).

Source: the approximate coordinates of each provincial capital, to about 0.01° (~1 km), compiled for this project
from general geographic knowledge; no third-party dataset or boundary file is copied. Licence: the project's (MIT).
Points, not boundaries: enough to place a marker per province and keep the page free of any map download.
"""

from __future__ import annotations

__all__ = ["CENTRES", "BOUNDS"]

BOUNDS = (8.3, 23.5, 102.0, 109.6)  # lat min, lat max, lon min, lon max: the mainland and the near islands

CENTRES: dict[str, tuple[float, float]] = {
    "Hà Nội": (21.028, 105.854),
    "TP. Hồ Chí Minh": (10.776, 106.700),
    "Hải Phòng": (20.845, 106.688),
    "Đà Nẵng": (16.054, 108.202),
    "Cần Thơ": (10.045, 105.747),
    "Huế": (16.463, 107.590),
    "An Giang": (10.386, 105.435),  # Long Xuyên
    "Bà Rịa - Vũng Tàu": (10.496, 107.168),  # Bà Rịa
    "Bắc Giang": (21.273, 106.194),
    "Bắc Kạn": (22.147, 105.835),
    "Bạc Liêu": (9.294, 105.727),
    "Bắc Ninh": (21.186, 106.076),
    "Bến Tre": (10.241, 106.376),
    "Bình Định": (13.776, 109.224),  # Quy Nhơn
    "Bình Dương": (10.980, 106.651),  # Thủ Dầu Một
    "Bình Phước": (11.535, 106.883),  # Đồng Xoài
    "Bình Thuận": (10.928, 108.102),  # Phan Thiết
    "Cà Mau": (9.177, 105.150),
    "Cao Bằng": (22.666, 106.258),
    "Đắk Lắk": (12.667, 108.038),  # Buôn Ma Thuột
    "Đắk Nông": (11.998, 107.692),  # Gia Nghĩa
    "Điện Biên": (21.386, 103.017),  # Điện Biên Phủ
    "Đồng Nai": (10.957, 106.843),  # Biên Hòa
    "Đồng Tháp": (10.460, 105.633),  # Cao Lãnh
    "Gia Lai": (13.983, 108.000),  # Pleiku
    "Hà Giang": (22.823, 104.984),
    "Hà Nam": (20.541, 105.914),  # Phủ Lý
    "Hà Tĩnh": (18.343, 105.906),
    "Hải Dương": (20.940, 106.331),
    "Hậu Giang": (9.784, 105.470),  # Vị Thanh
    "Hòa Bình": (20.813, 105.338),
    "Hưng Yên": (20.646, 106.051),
    "Khánh Hòa": (12.238, 109.197),  # Nha Trang
    "Kiên Giang": (10.012, 105.080),  # Rạch Giá
    "Kon Tum": (14.350, 108.000),
    "Lai Châu": (22.396, 103.458),
    "Lâm Đồng": (11.940, 108.458),  # Đà Lạt
    "Lạng Sơn": (21.853, 106.761),
    "Lào Cai": (22.486, 103.970),
    "Long An": (10.535, 106.413),  # Tân An
    "Nam Định": (20.434, 106.177),
    "Nghệ An": (18.679, 105.681),  # Vinh
    "Ninh Bình": (20.254, 105.975),
    "Ninh Thuận": (11.565, 108.988),  # Phan Rang - Tháp Chàm
    "Phú Thọ": (21.322, 105.402),  # Việt Trì
    "Phú Yên": (13.096, 109.320),  # Tuy Hòa
    "Quảng Bình": (17.468, 106.622),  # Đồng Hới
    "Quảng Nam": (15.573, 108.474),  # Tam Kỳ
    "Quảng Ngãi": (15.120, 108.792),
    "Quảng Ninh": (20.951, 107.073),  # Hạ Long
    "Quảng Trị": (16.816, 107.100),  # Đông Hà
    "Sóc Trăng": (9.603, 105.980),
    "Sơn La": (21.327, 103.914),
    "Tây Ninh": (11.310, 106.098),
    "Thái Bình": (20.446, 106.342),
    "Thái Nguyên": (21.594, 105.848),
    "Thanh Hóa": (19.807, 105.776),
    "Tiền Giang": (10.360, 106.360),  # Mỹ Tho
    "Trà Vinh": (9.935, 106.345),
    "Tuyên Quang": (21.818, 105.211),
    "Vĩnh Long": (10.253, 105.972),
    "Vĩnh Phúc": (21.310, 105.597),  # Vĩnh Yên
    "Yên Bái": (21.705, 104.875),
}
