"""Invented people, places, agencies and numbers for the generator.

Everything here is made up: names are drawn from common Vietnamese family,
middle and given names; addresses combine real province / district / ward
names with invented house numbers and streets, so no address names a real
person. ID numbers follow the 12-digit CCCD structure (TT 07/2016/TT-BCA,
TT 59/2021/TT-BCA): 3-digit province code of the birth registration, one
digit for sex and century, two digits for the birth year, six random digits.
"""
import datetime as dt
import unicodedata

SURNAMES = (
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh",
    "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh",
    "Mai", "Tạ", "Lương", "Quách", "Cao", "Lâm", "Triệu", "Hà", "Kiều", "Tô", "Châu",
    "Đoàn", "Vương", "Thái", "La", "Văn", "Lò", "Tăng", "Khúc", "Ông", "Âu", "Nông",
)
MIDDLE_M = ("Văn", "Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công", "Xuân", "Anh",
            "Gia", "Trọng", "Tiến", "Đình", "Ngọc", "Hoàng", "Bảo", "Tuấn", "Mạnh", "Duy")
MIDDLE_F = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Bích", "Phương",
            "Hồng", "Diệu", "Thùy", "Hoài", "Khánh", "Minh", "Quỳnh", "Tuyết", "Ánh", "Lan")
GIVEN_M = ("Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hòa",
           "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Long", "Lộc", "Lợi", "Minh", "Nam",
           "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành",
           "Thịnh", "Toàn", "Trung", "Tú", "Tuấn", "Việt", "Vinh", "Vũ", "Khải", "Lực",
           "Khôi", "Nhân", "Thuận", "Tiến", "Định", "Hưng", "Điền", "Pản", "Sáng", "Chiến")
GIVEN_F = ("An", "Anh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng",
           "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai",
           "My", "Nga", "Ngân", "Ngọc", "Nhung", "Nhi", "Oanh", "Phương", "Quyên", "Tâm",
           "Thảo", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Yến", "Xuân",
           "Bích", "Duyên", "Lụa", "Thơm", "Sinh", "Nguyệt", "Ly", "Thư", "Khuê", "Ánh")
ETHNIC = ("Kinh",) * 18 + ("Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Ê Đê", "Chăm")

# Province: (name with its level, CCCD code, short name, districts {district: [wards]},
# streets). Codes are those of the CCCD numbering (TT 07/2016/TT-BCA annex).
PROVINCES = [
    ("Thành phố Hà Nội", "001", "Hà Nội", {
        "Quận Ba Đình": ["Phường Điện Biên", "Phường Kim Mã", "Phường Ngọc Hà"],
        "Quận Cầu Giấy": ["Phường Dịch Vọng", "Phường Nghĩa Tân", "Phường Yên Hòa"],
        "Huyện Đông Anh": ["Xã Uy Nỗ", "Xã Vân Nội", "Thị trấn Đông Anh"],
        "Huyện Sóc Sơn": ["Xã Phù Linh", "Xã Mai Đình"]},
     ["Kim Mã", "Đội Cấn", "Trần Duy Hưng", "Cầu Giấy", "Nguyễn Khánh Toàn", "Cao Lỗ"]),
    ("Tỉnh Hà Giang", "002", "Hà Giang", {
        "Thành phố Hà Giang": ["Phường Minh Khai", "Phường Trần Phú"],
        "Huyện Vị Xuyên": ["Thị trấn Vị Xuyên", "Xã Đạo Đức"]},
     ["Nguyễn Trãi", "Trần Hưng Đạo", "Lý Tự Trọng"]),
    ("Tỉnh Lào Cai", "010", "Lào Cai", {
        "Thành phố Lào Cai": ["Phường Cốc Lếu", "Phường Kim Tân"],
        "Thị xã Sa Pa": ["Phường Sa Pa", "Xã Tả Van"]},
     ["Hoàng Liên", "Nguyễn Huệ", "Trần Phú"]),
    ("Tỉnh Thái Nguyên", "019", "Thái Nguyên", {
        "Thành phố Thái Nguyên": ["Phường Hoàng Văn Thụ", "Phường Tân Thịnh"],
        "Huyện Đại Từ": ["Thị trấn Hùng Sơn", "Xã Bản Ngoại"]},
     ["Hoàng Văn Thụ", "Lương Ngọc Quyến", "Quang Trung"]),
    ("Tỉnh Quảng Ninh", "022", "Quảng Ninh", {
        "Thành phố Hạ Long": ["Phường Bãi Cháy", "Phường Hồng Gai", "Phường Cao Xanh"],
        "Huyện Vân Đồn": ["Thị trấn Cái Rồng", "Xã Hạ Long"]},
     ["Hạ Long", "Nguyễn Văn Cừ", "Lê Thánh Tông"]),
    ("Tỉnh Bắc Ninh", "027", "Bắc Ninh", {
        "Thành phố Bắc Ninh": ["Phường Suối Hoa", "Phường Kinh Bắc"],
        "Thành phố Từ Sơn": ["Phường Đông Ngàn", "Phường Đình Bảng"]},
     ["Lý Thái Tổ", "Nguyễn Gia Thiều", "Trần Phú"]),
    ("Thành phố Hải Phòng", "031", "Hải Phòng", {
        "Quận Lê Chân": ["Phường An Biên", "Phường Dư Hàng"],
        "Huyện Thủy Nguyên": ["Xã Lưu Kiếm", "Thị trấn Núi Đèo"]},
     ["Lạch Tray", "Tô Hiệu", "Lê Lợi"]),
    ("Tỉnh Nam Định", "036", "Nam Định", {
        "Thành phố Nam Định": ["Phường Vị Xuyên", "Phường Trần Tế Xương"],
        "Huyện Hải Hậu": ["Thị trấn Yên Định", "Xã Hải Bắc"]},
     ["Hùng Vương", "Trần Hưng Đạo", "Máy Tơ"]),
    ("Tỉnh Thanh Hóa", "038", "Thanh Hóa", {
        "Thành phố Thanh Hóa": ["Phường Điện Biên", "Phường Ba Đình"],
        "Thị xã Nghi Sơn": ["Phường Hải Hòa", "Phường Tĩnh Hải"]},
     ["Lê Lợi", "Bà Triệu", "Hạc Thành"]),
    ("Tỉnh Nghệ An", "040", "Nghệ An", {
        "Thành phố Vinh": ["Phường Hưng Bình", "Phường Lê Lợi"],
        "Thị xã Cửa Lò": ["Phường Thu Thủy", "Phường Nghi Hương"]},
     ["Quang Trung", "Lê Duẩn", "Nguyễn Du"]),
    ("Tỉnh Thừa Thiên Huế", "046", "Thừa Thiên Huế", {
        "Thành phố Huế": ["Phường Phú Hội", "Phường Vĩnh Ninh", "Phường Thuận Hòa"],
        "Thị xã Hương Thủy": ["Phường Phú Bài", "Xã Thủy Phù"]},
     ["Lê Lợi", "Hùng Vương", "Bà Triệu"]),
    ("Thành phố Đà Nẵng", "048", "Đà Nẵng", {
        "Quận Sơn Trà": ["Phường An Hải Bắc", "Phường Mân Thái"],
        "Quận Hải Châu": ["Phường Thạch Thang", "Phường Hòa Cường Bắc"]},
     ["Bạch Đằng", "Nguyễn Văn Linh", "Ngô Quyền"]),
    ("Tỉnh Quảng Ngãi", "051", "Quảng Ngãi", {
        "Thành phố Quảng Ngãi": ["Phường Nghĩa Chánh", "Phường Trần Phú"],
        "Huyện Bình Sơn": ["Thị trấn Châu Ổ", "Xã Bình Long"]},
     ["Quang Trung", "Phạm Văn Đồng", "Hùng Vương"]),
    ("Tỉnh Khánh Hòa", "056", "Khánh Hòa", {
        "Thành phố Nha Trang": ["Phường Lộc Thọ", "Phường Vĩnh Hải"],
        "Thành phố Cam Ranh": ["Phường Cam Linh", "Xã Cam Thành Nam"]},
     ["Trần Phú", "Thống Nhất", "Lê Thánh Tôn"]),
    ("Tỉnh Đắk Lắk", "066", "Đắk Lắk", {
        "Thành phố Buôn Ma Thuột": ["Phường Tân Lợi", "Phường Tự An"],
        "Huyện Krông Pắc": ["Thị trấn Phước An", "Xã Ea Kly"]},
     ["Lê Duẩn", "Phan Bội Châu", "Y Jút"]),
    ("Tỉnh Lâm Đồng", "068", "Lâm Đồng", {
        "Thành phố Đà Lạt": ["Phường 1", "Phường 8", "Phường 10"],
        "Thành phố Bảo Lộc": ["Phường Lộc Sơn", "Xã Đạm Bri"]},
     ["Phan Đình Phùng", "Trần Hưng Đạo", "Ba Tháng Hai"]),
    ("Tỉnh Bình Dương", "074", "Bình Dương", {
        "Thành phố Thủ Dầu Một": ["Phường Phú Cường", "Phường Hiệp Thành"],
        "Thành phố Dĩ An": ["Phường Dĩ An", "Phường Đông Hòa"]},
     ["Đại lộ Bình Dương", "Yersin", "Nguyễn Văn Tiết"]),
    ("Tỉnh Đồng Nai", "075", "Đồng Nai", {
        "Thành phố Biên Hòa": ["Phường Tân Phong", "Phường Trảng Dài"],
        "Huyện Trảng Bom": ["Thị trấn Trảng Bom", "Xã Hố Nai 3"]},
     ["Phạm Văn Thuận", "Đồng Khởi", "Võ Thị Sáu"]),
    ("Thành phố Hồ Chí Minh", "079", "Hồ Chí Minh", {
        "Quận 3": ["Phường Võ Thị Sáu", "Phường 9", "Phường 14"],
        "Quận Bình Thạnh": ["Phường 25", "Phường 13"],
        "Thành phố Thủ Đức": ["Phường Linh Trung", "Phường Thảo Điền"],
        "Huyện Củ Chi": ["Thị trấn Củ Chi", "Xã Tân Thạnh Đông"]},
     ["Nguyễn Thị Minh Khai", "Điện Biên Phủ", "Xô Viết Nghệ Tĩnh", "Võ Văn Ngân"]),
    ("Tỉnh Long An", "080", "Long An", {
        "Thành phố Tân An": ["Phường 2", "Phường Khánh Hậu"],
        "Huyện Đức Hòa": ["Thị trấn Hậu Nghĩa", "Xã Đức Hòa Hạ"]},
     ["Hùng Vương", "Nguyễn Huệ", "Trương Định"]),
    ("Thành phố Cần Thơ", "092", "Cần Thơ", {
        "Quận Cái Răng": ["Phường Hưng Phú", "Phường Lê Bình"],
        "Huyện Phong Điền": ["Thị trấn Phong Điền", "Xã Mỹ Khánh"]},
     ["Hòa Bình", "Trần Hưng Đạo", "Nguyễn Văn Cừ"]),
    ("Tỉnh Cà Mau", "096", "Cà Mau", {
        "Thành phố Cà Mau": ["Phường 5", "Phường 7"],
        "Huyện Năm Căn": ["Thị trấn Năm Căn", "Xã Hàm Rồng"]},
     ["Lý Thường Kiệt", "Phan Ngọc Hiển", "Ngô Quyền"]),
]
HAMLETS = ("Thôn", "Ấp", "Tổ dân phố", "Khu phố", "Xóm", "Bản")


def nfc(s):
    return unicodedata.normalize("NFC", s)


def ascii_slug(s):
    s = nfc(s).replace("Đ", "D").replace("đ", "d")
    s = "".join(ch for ch in unicodedata.normalize("NFD", s) if unicodedata.category(ch) != "Mn")
    return "".join(ch for ch in s.lower() if ch.isalnum())


def upper_vi(s):
    return nfc(s).upper()


def sentence_case(s):
    s = nfc(s).lower()
    return s[:1].upper() + s[1:]


def ddmmyyyy(d):
    return d.strftime("%d/%m/%Y")


NUM_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MONTH_WORDS = ("", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười",
               "mười một", "mười hai")


def _two(n, full=False):
    t, u = divmod(n, 10)
    if t == 0:
        return ("lẻ " + NUM_WORDS[u]) if full and u else NUM_WORDS[u]
    if t == 1:
        head = "mười"
    else:
        head = NUM_WORDS[t] + " mươi"
    if u == 0:
        return head
    if u == 1 and t > 1:
        return head + " mốt"
    if u == 5:
        return head + " lăm"
    if u == 4 and t > 1:
        return head + " tư"
    return head + " " + NUM_WORDS[u]


def _three(n, full):
    h, r = divmod(n, 100)
    if not full and h == 0:
        return _two(r)
    if r == 0:
        return NUM_WORDS[h] + " trăm"
    return NUM_WORDS[h] + " trăm " + _two(r, full=True)


def number_words(n):
    """Vietnamese reading of an integer (as in 'bằng chữ' amounts)."""
    if n == 0:
        return "không"
    units = ("", " nghìn", " triệu", " tỷ")
    parts = []
    i = 0
    while n > 0:
        n, r = divmod(n, 1000)
        parts.append((r, units[i]))
        i += 1
    out = []
    for idx in range(len(parts) - 1, -1, -1):
        r, u = parts[idx]
        if r == 0:
            continue
        out.append(_three(r, full=idx != len(parts) - 1) + u)
    return " ".join(out)


def date_words(d):
    """'Ngày ba mươi, tháng tám, năm hai nghìn không trăm mười ba' style."""
    day = _two(d.day)
    if d.day < 11:
        day = "mùng " + NUM_WORDS[d.day] if d.day < 10 else "mười"
    year = number_words(d.year)
    if d.year >= 2000 and d.year % 1000 < 100:
        r = d.year % 1000
        year = "hai nghìn không trăm " + _two(r, full=True) if r else "hai nghìn"
    return f"Ngày {day}, tháng {MONTH_WORDS[d.month]}, năm {year}"


def area_words(a):
    """Area like 258,3 -> 'Hai trăm năm mươi tám phẩy ba mét vuông'."""
    whole = int(a)
    frac = round((a - whole) * 10)
    s = number_words(whole)
    if frac:
        s += " phẩy " + NUM_WORDS[frac]
    return s[:1].upper() + s[1:] + " mét vuông"


def money(n):
    return f"{n:,}".replace(",", ".")


class People:
    """Makes invented persons and addresses with one random generator."""

    def __init__(self, rng, received):
        self.r = rng
        self.received = received  # the case's date: addresses after 1/7/2025 drop the district
        self.used = set()

    # --- places
    def province(self):
        return self.r.choice(PROVINCES)

    def address(self, prov=None, street=True):
        r = self.r
        prov = prov or self.province()
        pname, _, _, districts, streets = prov
        dist = r.choice(sorted(districts))
        ward = r.choice(districts[dist])
        two_level = self.received >= dt.date(2025, 7, 1)
        if street and r.random() < 0.65:
            no = r.randint(1, 480)
            lead = r.choice([f"Số {no}, đường {r.choice(streets)}",
                             f"Số {no}/{r.randint(2, 60)} {r.choice(streets)}",
                             f"Số {no}, ngõ {r.randint(2, 200)}, đường {r.choice(streets)}",
                             f"{no} {r.choice(streets)}"])
        else:
            lead = f"{r.choice(HAMLETS)} {r.choice(['Phú Lợi', 'Vân Trì', 'Tân Lập', 'Đông Hòa', 'Mỹ Khánh', 'Bình An', 'Thượng', '3', '7', 'Na Hang', 'Bắc Sơn'])}"
        if two_level:
            return f"{lead}, {ward}, {pname}", prov, dist, ward
        return f"{lead}, {ward}, {dist}, {pname}", prov, dist, ward

    def ward_place(self, prov=None):
        """(ward, district, province) names for an issuing body."""
        prov = prov or self.province()
        dist = self.r.choice(sorted(prov[3]))
        ward = self.r.choice(prov[3][dist])
        return ward, dist, prov

    # --- persons
    def name(self, sex):
        r = self.r
        for _ in range(50):
            sur = r.choice(SURNAMES)
            if sex == "Nam":
                mid = r.choice(MIDDLE_M)
                giv = r.choice(GIVEN_M)
            else:
                mid = r.choice(MIDDLE_F)
                giv = r.choice(GIVEN_F)
            parts = [sur, mid, giv]
            if r.random() < 0.18:
                parts.insert(2, r.choice(MIDDLE_F if sex == "Nữ" else MIDDLE_M))
            if len(set(parts)) < len(parts):
                continue
            n = " ".join(parts)
            if n not in self.used:
                self.used.add(n)
                return n
        return n

    def id_number(self, prov_code, sex, born):
        century = 0 if born.year < 2000 else 2
        sexd = century + (1 if sex == "Nữ" else 0)
        return f"{prov_code}{sexd}{born.year % 100:02d}{self.r.randint(0, 999999):06d}"

    def old_id(self):
        return f"{self.r.randint(1, 38):02d}{self.r.randint(0, 9999999):07d}"

    def person(self, sex=None, age=(22, 70), born=None, prov=None, surname=None):
        r = self.r
        sex = sex or r.choice(["Nam", "Nữ"])
        if born is None:
            years = r.randint(*age)
            born = self.received - dt.timedelta(days=int(years * 365.25) + r.randint(0, 360))
        prov = prov or self.province()
        name = self.name(sex)
        if surname:
            name = surname + name[name.index(" "):]
        addr, aprov, dist, ward = self.address()
        return {
            "full_name": name,
            "sex": sex,
            "dob": born,
            "birth_prov": prov,
            "id_number": self.id_number(prov[1], sex, born),
            "address": addr,
            "addr_prov": aprov,
            "ethnic": r.choice(ETHNIC),
            "phone": "0" + r.choice(["9", "8", "3", "7", "5"]) + "".join(str(r.randint(0, 9)) for _ in range(8)),
            "id_issued": min(self.received - dt.timedelta(days=r.randint(30, 2500)),
                             dt.date(2024, 12, 31)) if r.random() < 0.6 else
            self.received - dt.timedelta(days=r.randint(30, 1500)),
        }

    def child(self, mother, father, age_days=(5, 50)):
        born = self.received - dt.timedelta(days=self.r.randint(*age_days))
        sex = self.r.choice(["Nam", "Nữ"])
        c = self.person(sex=sex, born=born, prov=father["addr_prov"] if father else mother["addr_prov"],
                        surname=(father or mother)["full_name"].split()[0])
        c["address"] = mother["address"]
        return c


def ohonorific(p):
    return "Ông" if p["sex"] == "Nam" else "Bà"


ISSUERS_CCCD = (
    "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    "Cục Cảnh sát ĐKQL cư trú và DLQG về dân cư",
    "Bộ Công an",
)

LAND_PURPOSES = (
    ("Đất ở tại nông thôn", "ONT"), ("Đất ở tại đô thị", "ODT"),
    ("Đất trồng cây lâu năm", "CLN"), ("Đất trồng lúa", "LUC"),
    ("Đất nuôi trồng thủy sản", "NTS"), ("Đất bằng trồng cây hằng năm khác", "BHK"),
)
LAND_ORIGINS = (
    "Nhận chuyển nhượng đất được Công nhận QSDĐ như giao đất có thu tiền sử dụng đất",
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Công nhận QSDĐ như giao đất có thu tiền sử dụng đất",
    "Nhận thừa kế đất được Công nhận QSDĐ như giao đất không thu tiền sử dụng đất",
    "Nhận tặng cho đất được Nhà nước giao đất có thu tiền sử dụng đất",
)
BUSINESS_LINES = (
    ("Bán lẻ lương thực, thực phẩm, đồ uống trong các cửa hàng chuyên doanh", "4721"),
    ("Bảo dưỡng, sửa chữa mô tô, xe máy", "4542"),
    ("Nhà hàng và các dịch vụ ăn uống phục vụ lưu động", "5610"),
    ("Cắt tóc, làm đầu, gội đầu", "9631"),
    ("Bán lẻ hàng may mặc, giày dép trong các cửa hàng chuyên doanh", "4771"),
    ("Dịch vụ phục vụ đồ uống", "5630"),
    ("Bán lẻ thiết bị viễn thông trong các cửa hàng chuyên doanh", "4742"),
    ("In ấn", "1811"),
    ("Giặt là, làm sạch các sản phẩm dệt và lông thú", "9620"),
)
BUSINESS_NAMES = ("TẠP HÓA", "SỬA XE", "QUÁN CƠM", "CÀ PHÊ", "TÓC", "THỜI TRANG",
                  "ĐIỆN THOẠI", "IN ẤN", "GIẶT LÀ", "BÚN BÒ", "PHỞ")
