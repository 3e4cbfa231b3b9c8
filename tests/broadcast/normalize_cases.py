"""The table of written → spoken Vietnamese that the normaliser must satisfy (grouped by what they exercise)."""

from __future__ import annotations

NUMBERS = [
    ("0", "không"),
    ("5", "năm"),
    ("10", "mười"),
    ("11", "mười một"),
    ("14", "mười bốn"),
    ("15", "mười lăm"),
    ("20", "hai mươi"),
    ("21", "hai mươi mốt"),
    ("24", "hai mươi bốn"),
    ("25", "hai mươi lăm"),
    ("55", "năm mươi lăm"),
    ("99", "chín mươi chín"),
    ("100", "một trăm"),
    ("101", "một trăm lẻ một"),
    ("105", "một trăm lẻ năm"),
    ("110", "một trăm mười"),
    ("115", "một trăm mười lăm"),
    ("121", "một trăm hai mươi mốt"),
    ("1000", "một nghìn"),
    ("1005", "một nghìn không trăm lẻ năm"),
    ("1.000", "một nghìn"),
    ("2026", "hai nghìn không trăm hai mươi sáu"),
    ("10.000", "mười nghìn"),
    ("15.500", "mười lăm nghìn năm trăm"),
    ("21.000", "hai mươi mốt nghìn"),
    ("100.000", "một trăm nghìn"),
    ("1.000.000", "một triệu"),
    ("1.250.000", "một triệu hai trăm năm mươi nghìn"),
    ("1.005.000", "một triệu không trăm lẻ năm nghìn"),
    ("2.000.000.000", "hai tỷ"),
    ("1,250,000", "một triệu hai trăm năm mươi nghìn"),
    ("2,5", "hai phẩy năm"),
    ("3,14", "ba phẩy mười bốn"),
    ("0,05", "không phẩy không năm"),
    ("1.5", "một phẩy năm"),
    ("có 3 người", "có ba người"),
    ("12 hộ dân", "mười hai hộ dân"),
    ("số 0123", "số không một hai ba"),
    ("1A", "một A"),
    ("nhà số 12B", "nhà số mười hai B"),
]

MONEY = [
    ("1.250.000 đồng", "một triệu hai trăm năm mươi nghìn đồng"),
    ("500.000đ", "năm trăm nghìn đồng"),
    ("500.000 VNĐ", "năm trăm nghìn đồng"),
    ("200.000 VND", "hai trăm nghìn đồng"),
    ("50.000₫", "năm mươi nghìn đồng"),
    ("50k", "năm mươi nghìn"),
    ("giá 20k một ký", "giá hai mươi nghìn một ký"),
    ("2 tỷ đồng", "hai tỷ đồng"),
    ("1,5 triệu đồng", "một phẩy năm triệu đồng"),
    ("30.000 đồng/kg", "ba mươi nghìn đồng một ki lô gam"),
    ("100 USD", "một trăm đô la Mỹ"),
    ("$100", "một trăm đô la Mỹ"),
    ("lệ phí 8.000 đồng/bản", "lệ phí tám nghìn đồng một bản"),
    ("hỗ trợ 360.000 đồng/tháng", "hỗ trợ ba trăm sáu mươi nghìn đồng một tháng"),
    ("4,68 triệu đồng", "bốn phẩy sáu mươi tám triệu đồng"),
]

PERCENT = [
    ("15%", "mười lăm phần trăm"),
    ("2,5%", "hai phẩy năm phần trăm"),
    ("100 %", "một trăm phần trăm"),
    ("tăng 0,5%", "tăng không phẩy năm phần trăm"),
    ("đạt 98,7% kế hoạch", "đạt chín mươi tám phẩy bảy phần trăm kế hoạch"),
    ("giảm 3%/năm", "giảm ba phần trăm năm"),
]

UNITS = [
    ("30 km", "ba mươi ki lô mét"),
    ("5km", "năm ki lô mét"),
    ("12 m2", "mười hai mét vuông"),
    ("12m²", "mười hai mét vuông"),
    ("40 m3", "bốn mươi mét khối"),
    ("2,5 ha", "hai phẩy năm héc ta"),
    ("50 kg", "năm mươi ki lô gam"),
    ("200 g", "hai trăm gam"),
    ("2 l", "hai lít"),
    ("500 ml", "năm trăm mi li lít"),
    ("60 km/h", "sáu mươi ki lô mét trên giờ"),
    ("150 mm", "một trăm năm mươi mi li mét"),
    ("10 cm", "mười xăng ti mét"),
    ("3 m", "ba mét"),
    ("37°C", "ba mươi bảy độ C"),
    ("100 kWh", "một trăm ki lô oát giờ"),
    ("3x4 m", "ba nhân bốn mét"),
    ("mưa 200-300 mm", "mưa hai trăm đến ba trăm mi li mét"),
]

DATES = [
    ("25/11/2026", "ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"),
    ("ngày 25/11/2026", "ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"),
    ("25-11-2026", "ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"),
    ("25.11.2026", "ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"),
    ("01/04/2026", "ngày một tháng tư năm hai nghìn không trăm hai mươi sáu"),
    ("ngày 2/9", "ngày hai tháng chín"),
    ("từ 25/11", "từ ngày hai mươi lăm tháng mười một"),
    ("từ 25/11-30/11", "từ ngày hai mươi lăm tháng mười một đến ngày ba mươi tháng mười một"),
    ("tháng 4/2026", "tháng tư năm hai nghìn không trăm hai mươi sáu"),
    ("11/2026", "tháng mười một năm hai nghìn không trăm hai mươi sáu"),
    ("tháng 4", "tháng tư"),
    ("tháng 12", "tháng mười hai"),
    ("ngày 5 tháng 4 năm 2026", "ngày năm tháng tư năm hai nghìn không trăm hai mươi sáu"),
    ("1/2 số hộ", "một phần hai số hộ"),
    ("3/4 diện tích", "ba phần bốn diện tích"),
    ("sáng 3/4", "sáng ngày ba tháng tư"),
    ("32/13/2026", "ba mươi hai trên mười ba trên hai nghìn không trăm hai mươi sáu"),
    ("năm 2025", "năm hai nghìn không trăm hai mươi lăm"),
    ("năm 1945", "năm một nghìn chín trăm bốn mươi lăm"),
    ("hạn chót 30/6", "hạn chót ngày ba mươi tháng sáu"),
]

TIMES = [
    ("7h30", "bảy giờ ba mươi"),
    ("7h", "bảy giờ"),
    ("7h00", "bảy giờ"),
    ("14h00", "mười bốn giờ"),
    ("7 giờ 30 phút", "bảy giờ ba mươi"),
    ("14:05", "mười bốn giờ năm phút"),
    ("lúc 7:30", "lúc bảy giờ ba mươi"),
    ("7g30", "bảy giờ ba mươi"),
    ("7h30-11h00", "bảy giờ ba mươi đến mười một giờ"),
    ("từ 7h-11h", "từ bảy giờ đến mười một giờ"),
    ("13h30 đến 17h", "mười ba giờ ba mươi đến mười bảy giờ"),
    ("7h05", "bảy giờ năm phút"),
    ("19h45", "mười chín giờ bốn mươi lăm"),
    ("0h", "không giờ"),
]

PHONES = [
    ("0912345678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912 345 678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912.345.678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912-345-678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("+84 912 345 678", "cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám"),
    ("(024) 3825 1234", "không hai bốn, ba tám hai năm, một hai ba bốn"),
    ("gọi 113", "gọi một một ba"),
    ("đường dây nóng 1022", "đường dây nóng một không hai hai"),
    ("tổng đài 1900 9095", "tổng đài một chín không không, chín không chín năm"),
    ("ĐT: 0912.345.678", "điện thoại: không chín một hai, ba bốn năm, sáu bảy tám"),
    ("SĐT 0987654321", "số điện thoại không chín tám bảy, sáu năm bốn, ba hai một"),
    ("số 115", "số một một năm"),
]

ORDINALS = [
    ("thứ 2", "thứ hai"),
    ("thứ 3", "thứ ba"),
    ("thứ 4", "thứ tư"),
    ("Thứ 7", "Thứ bảy"),
    ("lần thứ 1", "lần thứ nhất"),
    ("lần thứ 14", "lần thứ mười bốn"),
    ("thứ 2, ngày 30/11", "thứ hai, ngày ba mươi tháng mười một"),
    ("đứng thứ 21", "đứng thứ hai mươi mốt"),
    ("từ thứ 2 đến thứ 6", "từ thứ hai đến thứ sáu"),
    ("thứ 2-CN", "thứ hai đến chủ nhật"),
]

ROMAN = [
    ("Đại hội XIII", "Đại hội mười ba"),
    ("khóa XV", "khóa mười lăm"),
    ("quý IV", "quý bốn"),
    ("Quý I", "Quý một"),
    ("thế kỷ XXI", "thế kỷ hai mươi mốt"),
    ("Chương II", "Chương hai"),
    ("lần thứ XIII", "lần thứ mười ba"),
    ("đợt III", "đợt ba"),
    ("giai đoạn IX", "giai đoạn chín"),
    ("Đại hội Đảng bộ xã lần thứ XIV", "Đại hội Đảng bộ xã lần thứ mười bốn"),
    ("Vitamin C", "Vitamin C"),
    ("ông V đến", "ông V đến"),
]

ABBREVIATIONS = [
    ("UBND", "ủy ban nhân dân"),
    ("UBND xã", "ủy ban nhân dân xã"),
    ("HĐND", "hội đồng nhân dân"),
    ("MTTQ", "mặt trận tổ quốc"),
    ("UBMTTQ", "ủy ban mặt trận tổ quốc"),
    ("BHYT", "bảo hiểm y tế"),
    ("BHXH", "bảo hiểm xã hội"),
    ("CCCD", "căn cước công dân"),
    ("CMND", "chứng minh nhân dân"),
    ("THCS", "trung học cơ sở"),
    ("THPT", "trung học phổ thông"),
    ("TP.HCM", "thành phố Hồ Chí Minh"),
    ("TPHCM", "thành phố Hồ Chí Minh"),
    ("CSGT", "cảnh sát giao thông"),
    ("PCCC", "phòng cháy chữa cháy"),
    ("ATTP", "an toàn thực phẩm"),
    ("HTX", "hợp tác xã"),
    ("NTM", "nông thôn mới"),
    ("KT-XH", "kinh tế xã hội"),
    ("GD&ĐT", "giáo dục và đào tạo"),
    ("Đ/c Nguyễn Văn A", "đồng chí Nguyễn Văn A"),
    ("QL1A", "quốc lộ một A"),
    ("COVID-19", "cô vít mười chín"),
    ("PCT UBND", "phó chủ tịch ủy ban nhân dân"),
    ("TYT xã", "trạm y tế xã"),
    ("Hội LHPN", "Hội liên hiệp phụ nữ"),
    ("BCHQS xã", "ban chỉ huy quân sự xã"),
    ("chương trình MTTQVN", "chương trình mặt trận tổ quốc Việt Nam"),
    ("UBNDxã", "UBNDxã"),
    ("Quyết định số 135/QĐ-TTg", "Quyết định số một trăm ba mươi lăm quyết định thủ tướng"),
    (
        "Thông tư 39/2020/TT-BTTTT",
        "Thông tư ba mươi chín năm hai nghìn không trăm hai mươi thông tư bộ thông tin và truyền thông",
    ),
    ("Kế hoạch 12/KH-UBND", "Kế hoạch mười hai kế hoạch ủy ban nhân dân"),
    ("Nghị định 15/2025/NĐ-CP", "Nghị định mười lăm năm hai nghìn không trăm hai mươi lăm nghị định chính phủ"),
]

AMBIGUOUS = [
    ("TT Y tế huyện", "trung tâm Y tế huyện"),
    ("TT Phú Mỹ", "thị trấn Phú Mỹ"),
    ("TT. Phú Mỹ", "thị trấn Phú Mỹ"),
    ("TT-BYT", "thông tư bộ y tế"),
    ("TT Hành chính công", "trung tâm Hành chính công"),
    ("TP Huế", "thành phố Huế"),
    ("TP. Cần Thơ", "thành phố Cần Thơ"),
    ("Phó TP Tư pháp", "Phó trưởng phòng Tư pháp"),
    ("Công ty CP Cấp nước", "Công ty cổ phần Cấp nước"),
    ("Văn phòng CP", "Văn phòng chính phủ"),
    ("CT UBND xã", "chủ tịch ủy ban nhân dân xã"),
    ("CT số 05", "chỉ thị số không năm"),
    ("ĐT: 0912345678", "điện thoại: không chín một hai, ba bốn năm, sáu bảy tám"),
    ("ĐT 741", "đường tỉnh bảy trăm bốn mươi mốt"),
    ("ĐT741", "đường tỉnh bảy trăm bốn mươi mốt"),
    ("50k", "năm mươi nghìn"),
    ("5 km", "năm ki lô mét"),
    ("5 kg", "năm ki lô gam"),
    ("mình k đi", "mình không đi"),
    ("P.5", "phường năm"),
    ("Q.1", "quận một"),
    ("1/2 số hộ", "một phần hai số hộ"),
    ("ngày 1/2", "ngày một tháng hai"),
    ("7h", "bảy giờ"),
    ("60 km/h", "sáu mươi ki lô mét trên giờ"),
    ("CN, 29/11", "chủ nhật, ngày hai mươi chín tháng mười một"),
]

SYMBOLS_AND_ADDRESSES = [
    ("A & B", "A và B"),
    ("~50 hộ", "khoảng năm mươi hộ"),
    ("(đợt 2)", "đợt hai"),
    ("xem dichvucong.gov.vn", "xem dichvucong chấm gov chấm vn"),
    ("gửi ubnd@xa.gov.vn", "gửi ubnd a còng xa chấm gov chấm vn"),
    ("“Ngày hội”", "Ngày hội"),
    ("- Mục một", "Mục một"),
    ("Chờ...", "Chờ."),
    ("và/hoặc", "và hoặc"),
]

SENTENCES = [
    (
        "UBND xã thông báo: từ 7h30 ngày 25/11/2026, người dân mang CCCD đến TYT xã tiêm phòng.",
        "ủy ban nhân dân xã thông báo: từ bảy giờ ba mươi ngày hai mươi lăm tháng mười một năm hai nghìn không trăm"
        " hai mươi sáu, người dân mang căn cước công dân đến trạm y tế xã tiêm phòng.",
    ),
    (
        "Mức hỗ trợ 1.500.000 đồng/hộ, liên hệ ĐT 0912.345.678.",
        "Mức hỗ trợ một triệu năm trăm nghìn đồng một hộ, liên hệ điện thoại"
        " không chín một hai, ba bốn năm, sáu bảy tám.",
    ),
    (
        "Lượng mưa 150-200 mm, gió 60 km/h, độ ẩm 90%.",
        "Lượng mưa một trăm năm mươi đến hai trăm mi li mét, gió sáu mươi ki lô mét trên giờ,"
        " độ ẩm chín mươi phần trăm.",
    ),
    (
        "Đại hội XIII của Đảng diễn ra vào quý I năm 2021.",
        "Đại hội mười ba của Đảng diễn ra vào quý một năm hai nghìn không trăm hai mươi mốt.",
    ),
    (
        "HĐND xã khóa XXI họp phiên thứ 3 lúc 8h00 thứ 4.",
        "hội đồng nhân dân xã khóa hai mươi mốt họp phiên thứ ba lúc tám giờ thứ tư.",
    ),
    ("Tỷ lệ tham gia BHYT đạt 95,2%.", "Tỷ lệ tham gia bảo hiểm y tế đạt chín mươi lăm phẩy hai phần trăm."),
    (
        "Cấp nước sạch cho 1.200 hộ tại ấp 3 và ấp 4.",
        "Cấp nước sạch cho một nghìn hai trăm hộ tại ấp ba và ấp bốn.",
    ),
    (
        "Đoàn công tác của TP.HCM làm việc với UBND xã.\n\nTrân trọng thông báo!",
        "Đoàn công tác của thành phố Hồ Chí Minh làm việc với ủy ban nhân dân xã.\n\nTrân trọng thông báo!",
    ),
]

ALL_CASES = (
    NUMBERS
    + MONEY
    + PERCENT
    + UNITS
    + DATES
    + TIMES
    + PHONES
    + ORDINALS
    + ROMAN
    + ABBREVIATIONS
    + AMBIGUOUS
    + SYMBOLS_AND_ADDRESSES
    + SENTENCES
)
