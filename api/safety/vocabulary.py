"""The triage vocabulary over folded text (``lexicon.fold``: no diacritics, teencode spelled out): who, what happens
(by situation family), danger signs, when, severity. ``api/safety/triage.py`` reads a message with these and decides.

Danger signs follow WHO IMCI's general danger signs for children (cannot drink or breastfeed, vomits everything,
convulsions, lethargic or unconscious; for young infants also fast breathing, chest indrawing, fever) and the ABCDE
reading of WHO/ICRC Basic Emergency Care for adults (airway, breathing, circulation/bleeding/shock, disability:
consciousness, stroke signs, convulsions; exposure: large burns, deformity).
"""

from __future__ import annotations

import re

from api.safety.lexicon import _any

# --- who -------------------------------------------------------------------------------------------------------------
NEWBORN = _any(
    r"so sinh", r"\d+ (?:ngay|tuan) tuoi", r"(?:moi|duoc|be|chau|con) \d+ (?:ngay|tuan)", r"(?:1|2|mot|hai) thang tuoi",
    r"(?:be|con|chau|con \w+) (?:1|mot) thang", r"(?:1|mot|2|hai|3|ba) tuan",
)  # fmt: skip
CHILD = _any(
    r"be", r"em be", r"con (?:em|toi|tui|minh|gai|trai|nha|e)", r"chau", r"thang (?:cu|be|nho|ut|con)",
    r"dua (?:nho|be)",
    r"tre (?:con|em|nho)?", r"hoc sinh", r"\d+ thang", r"(?:[1-9]|1[0-5]) tuoi", r"con be", r"thang con",
)  # fmt: skip
PREGNANT = _any(r"co bau", r"mang (?:thai|bau)", r"co thai", r"bau \d+ thang", r"bau thang", r"chi bau", r"dang bau")
ELDERLY = _any(
    r"ong (?:noi|ngoai|cu|gia|hang xom|em|toi|tui)", r"ba (?:noi|ngoai|cu|gia)", r"cu (?:ong|ba)", r"nguoi gia",
    r"(?:[6-9]\d|1\d\d) tuoi", r"ba cu", r"me gia", r"ong ba gia", r"ong ba", r"ma tui", r"ong em",
)  # fmt: skip
SEVERAL = _any(
    r"ca (?:nha|xom|lop|to)", r"nhieu (?:nguoi|cong nhan|em|hoc sinh)",
    r"(?:[2-9]|\d\d|hai|ba|bon|nam|sau) (?:nguoi|ong"
    r"|dua|em|cong nhan|tho|ngu dan|can nha)", r"hai ong ba", r"may (?:ong|nguoi)", r"hon chuc", r"ca hai", r"hai nhom",
    r"nhom thanh nien", r"ai cung", r"moi nguoi",
)  # fmt: skip

# --- what: the situation families ----------------------------------------------------------------------------------
VIOLENCE = _any(
    r"di dao", r"(?:doa|doi|de doa|het la|hét|la) (?:\w+ ){0,3}(?:giet|chem|dam|ban|dot nha)",
    r"duoi (?:chem|dam|danh)",
    r"dam nhau", r"chem nhau", r"hon chien",
    r"bat coc", r"be (?:\w+ ){0,4}len xe (?:\w+ )?chay", r"tat (?:axit|a xit)", r"bop co", r"cay cua", r"khong che",
    r"doi no thue", r"dang danh", r"danh (?:vao|me|vo|con|chi|em)", r"tieng danh",
    r"(?:bi|vua bi) (?:\w+ )?(?:dam|chem)",
    r"theo doi .{0,60}(?:dao|sung)", r"(?<!xe )dap (?:cua|pha)", r"bao cong an", r"goi 113", r"hanh hung", r"bao hanh",
    r"(?:dao|sung|rua|ma tau) (?:\w+ )?(?:doa|khong che|chem|dam|ban)", r"tu dam",
    r"danh (?:\w+ ){0,2}(?:ngat|chay mau|bat tinh)",
)  # fmt: skip
FIRE = _any(
    r"chay (?:nha|cho|kho|xuong|rung|tiem|quan|kiot|ki ot|bai|lon|to|du doi|ngun ngut|lan|roi ba con|o kiot)",
    r"dang chay(?! (?:ra|di|ve|lai|tron|qua|theo|toi|len|xuong|het minh))", r"boc chay", r"hoa hoan",
    r"dam chay", r"lua (?:lan|ben|boc|chay|to|dang)", r"ben (?:lua|sang)",
    r"no (?:binh gas|binh ga|lo hoi|noi hoi|tram bien ap)", r"(?:binh gas|binh ga|lo hoi|phao \w+ \w+) (?:\w+ ){0,3}no",
    r"cuu hoa", r"114", r"nha (?:\w+ ){0,2}(?:dang |bi )?chay(?! (?:yeu|nuoc|mau|xe|di|ra|ve|cham|cho|qua|tron))",
    r"chay chay", r"hit (?:nhieu |phai )?khoi", r"mui gas (?:\w+ )?(?:nong|nang)",
    r"(?:day dien|o cam|o dien|cong to) (?:\w+ )?(?:chay|boc chay|toe lua)",
)  # fmt: skip
RESCUE = _any(  # drowning, trapped, flood, landslide, collapse: the fire and rescue police (114) as well as 115
    r"nuoc cuon", r"cuon troi", r"(?:mot dua|dua|bi|dang|tau \w+ bi|tau \w+) chim", r"chim (?:xuong|nghim)",
    r"duoi nuoc", r"chet duoi",
    r"(?:roi|rot|te|nga|lat) (?:xuong )?(?:lu|ao|song|ho nuoc|ho ca|ho boi|gieng|kenh|muong|be nuoc|cong)",
    r"mac ket", r"bi ket", r"thang may (?:\w+ )?ket", r"chua thay (?:ve|len|dau)",
    r"ket (?:tren|trong|dau|chan|tay|thang may|lai|ben)", r"lu (?:len|ve|quet) (?:nhanh|qua)",
    r"nuoc (?:dang )?(?:dangj|len) (?:nhanh|cao|toi|den)", r"nuoc len nhanh", r"ngap (?:toi|den) (?:co|mai|nguc)",
    r"sat lo (?:\w+ ){0,3}(?:vui|de|lap)",
    r"vui (?:\w+ ){0,2}(?:nha|nguoi|toi|duoi)", r"vui lap", r"sap (?:tuong|nha|thanh gieng|gian|ham|mai)",
    r"(?:tuong|nha|gian giao|mai|ham) (?:\w+ )?sap",
    r"de (?:len )?(?:\d+|hai|mot|ba) (?:nguoi|cong nhan|tho)", r"co lap",
    r"lat (?:xuong|thuyen|ghe)", r"khong thay (?:dau|len|noi|ve)", r"chua ngoi len", r"troi dat", r"vot len",
    r"nhay xuong (?:song|ao|ho|bien|kenh)", r"keo (?:vo|vao) bo", r"sac nuoc", r"(?:bi|do) de",
    r"de (?:len|bep) (?:nguoi|chan|tay|ong|ba|anh|chi)", r"dat da sat",
)  # fmt: skip
MENTAL = _any(
    r"tu tu(?! (?:roi|thoi|da|nha|nhe|thi|ma|noi|lam|tinh|an|di|xem|cho|doc|nghi|kiem|tra|hoc|tim))", r"tu sat",
    r"(?:em|toi|tui|minh|tao|no|chi|anh) (?:\w+ ){0,2}muon (?:chet|tu tu)", r"khong muon song", r"chan song",
    r"khong song noi", r"tu (?:lam hai|rach|cat|dam)", r"(?:rach|cat|cua) (?:\w+ )?(?:tay|co tay)", r"treo (?:co|day)",
    r"nhay (?:cau|song|lau|xuong)", r"ket thuc (?:tat ca|cuoc doi|cuoc song)", r"vinh biet", r"tam biet moi nguoi",
    r"khong con loi thoat", r"duong ray", r"di theo ba", r"khong chiu noi nua", r"thu de lai", r"san thuong",
    r"uong (?:het|ca) (?:lo|vi|hop|chai)", r"loan than", r"doi (?:chet|tu tu)",
)  # fmt: skip
CHOKING = _any(
    r"so cuu (?:\w+ )?hoc", r"hoc (?:hat|di vat|xuong|keo|dong xu|rang gia|vien|do choi|thach)", r"bi hoc", r"roi hoc",
    r"(?:bi|mac) nghen(?! an)", r"nghen (?:thuc an|do an|tho|mieng|banh|com)",
    r"an (?:\w+ ){0,4}(?:bi )?nghen",
    r"sac (?:sua|chao|bot|dau phong|thuc an)", r"bi sac", r"troi vao co", r"om co", r"trao sua",
    r"nuot (?:\w+ ){0,2}(?:dong xu|nam cham|hat|bi|nap)",
)  # fmt: skip
POISONING = _any(
    r"ngo doc", r"uong nham", r"an nham", r"nuot (?:\w+ ){0,2}(?:pin|thuoc|hoa chat)",
    r"(?:uong|an|nuot|nghich) (?:\w+ ){0,4}thuoc (?:tru sau|diet co|chuot|sau|ngu|huyet ap|tieu duong|nam)",
    r"nuoc (?:tay|rua chen|rua bat)", r"ca noc",
    r"con coc", r"la ngon", r"nam (?:hai|rung|doc|la)", r"dau hoa", r"ruou (?:tu nau|thuoc|gia|methanol|doi)",
    r"qua lieu",
    r"an (?:\w+ ){0,8}(?:non oi|oi mua|non mua|buon non)",
    r"uong (?:\w+ ){0,2}ngum", r"uong (?:mot luc|het) \d+ vien", r"an (?:may )?vien",
)  # fmt: skip
INJURY = _any(
    r"tai nan", r"(?:tong|dam) (?:xe|nguoi)", r"xe (?:\w+ ){0,2}can (?:qua|nguoi|chet)",
    r"bi xe (?:\w+ )?(?:tong|dam|can|cuon|hat)", r"bi (?:tong|hat vang)", r"te (?:tu|xuong|xe)",
    r"nga (?:gian giao|tu|xuong)", r"dap dau", r"gay (?:chan|tay|xuong)",
    r"bi (?:\w+ )?(?:cho|trau|bo) (?:\w+ )?(?:can|huc)", r"(?:cho|trau|bo) (?:du|dai) (?:\w+ )?(?:can|huc)",
    r"trau (?:\w+ )?huc",
    r"ran (?:\w+ )?can", r"dien giat", r"giat dien(?! thoai)", r"cho (?:vo|vao) o dien",
    r"bong (?:\w+ ){0,3}(?:nguc|khap|het|rat)",
    r"nuoc soi", r"dut (?:lia|roi)", r"(?:may (?:cat|cua|xay)|dao|cuoc|liem) (?:\w+ ){0,2}(?:cat|dam|phat|chat)",
    r"dam xuyen", r"ho voi",
    r"xuong (?:loi|long) ra", r"va cham", r"(?:bi|vet) bong(?! (?:gan|da|troc|son))",
    r"bong (?:thi|nuoc|lua|dau|hoa chat)",
    r"dut tay", r"va (?:dau|dap)", r"treo (?:co )?chan", r"(?:con|bi|dan|to) ong (?:\w+ )?(?:dot|chich)",
    r"ong (?:vo ve|bau|mat|dat) (?:dot|chich)", r"te (?:tray|nga|xe)",
    r"tray (?:xuoc|da|tay|chan|dau goi|cam)", r"truot chan", r"dap nat", r"leo cay",
)  # fmt: skip
MILD = _any(
    r"tray", r"xuoc", r"xay xat", r"(?:1|mot) (?:con|phat|vet|cho|cuc)", r"nhe", r"(?:vet|cho) nho", r"it mau",
    r"mau rin", r"muoi dot", r"kien", r"treo (?:co )?chan", r"van (?:choi|bu|an|uong|di|tho|chay)", r"u (?:mot|1) cuc",
    r"gai dam", r"meo cao", r"bam (?:mong|tim)", r"manh chai", r"dau ban", r"mot (?:chut|ti|xiu)", r"tu cam",
    r"khong sao", r"ko sao", r"hoi sung", r"sung nhe", r"binh thuong", r"rua roi", r"roi thoi", r"khoc xiu",
)  # fmt: skip
# Figures of speech and things that are not people: blanked before reading the situation.
IDIOM = _any(
    r"(?:chan|nong|met|doi|so|tuc|cuoi|ngai|buon|lanh) (?:\w+ )?muon (?:chet|xiu|ngat|dut hoi)"
    r"(?: (?:luon|mat|di duoc))?",
    r"muon chet di duoc", r"chet (?:mat|chim trong)", r"dap chet", r"nghen (?:hong|loi)", r"chay (?:tui|hang|het minh)",
    r"\w+ chay qua", r"muon (?:dung|rot) tim", r"ngoi tren dong lua", r"no (?:phoi|nao)",
    r"doa giet .{0,40}(?:haha|hihi)",
    r"(?:cho|meo|ga|heo|lon|vit|bo) (?:nha \w+ )?(?:bi )?ngo doc", r"ngap trong no", r"may tinh \w+ chet",
    r"dua \w+ cuu",
    r"ngop tho", r"suyt (?:\w+ ){0,2}(?:dam|te|nga|chet|chay)", r"sap xiu", r"muon ngat", r"ket (?:xe|so|tien)",
)  # fmt: skip

# --- danger signs --------------------------------------------------------------------------------------------------
DANGER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("không thở", _any(r"(?:khong|ko) (?:con |thay )?tho(?! (?:binh thuong|duoc binh))", r"ngung tho", r"tat tho",
                        r"khong bat duoc mach", r"ngung tim")),
    ("khó thở", _any(r"kho tho", r"tho (?:kho|rit|nhanh|yeu|hon hen|khong ra hoi|kho khe|gap)", r"rut lom",
                     r"nghen tho", r"ngot ngat", r"khong tho duoc", r"ho sac", r"tho khong noi", r"kho nuot")),
    ("tím tái", _any(r"tim tai", r"(?:moi|mat) (?:\w+ )?tim", r"tim moi", r"moi tai(?! di)", r"mat (?:do )?tim")),
    ("bất tỉnh, li bì", _any(r"bat tinh", r"ngat(?! mui)", r"(?:bi|te|nga|len con|ngat|em|be|chi|anh|ong|ba) xiu",
    r"xiu (?:xuong|roi|mat|di)", r"li bi", r"lo mo", r"me man", r"lim di", r"la di",
                             r"(?:goi|lay|danh thuc) (?:\w+ )?(?:khong|ko) (?:tinh|day|thua|tra loi)",
                             r"khong (?:con )?tinh (?:lai|day|nua|tao)", r"khong (?:con )?tinh$", r"khong muon day",
                             r"ngu (?:\w+ )?(?:khong|ko) (?:day|tinh)", r"nam (?:im|bat dong)", r"ngu me", r"met la",
                             r"lu du",
                             r"guc xuong", r"khong cu dong")),
    ("co giật", _any(r"co giat", r"len con giat", r"giat tay chan", r"sui bot")),
    ("chảy máu nhiều", _any(r"(?:chay|ra) mau (?:\w+ ){0,2}(?:nhieu|khong cam|ko cam|khong ngung|rong rong|dau)",
                           r"mau (?:phun|ra nhieu|ra xoi xa|me|chay (?:khong|rong|nhieu))", r"chay mau dau",
                           r"(?:bau|thai) .{0,40}ra (?:\w+ )?mau")),
    ("không uống được, bỏ bú", _any(r"(?:khong|ko) (?:chiu )?(?:uong|bu)", r"bo bu", r"bu kem")),
    ("nôn tất cả", _any(r"non (?:het|lien tuc)", r"oi lien tuc", r"non oi")),
    ("mắt trũng, mất nước", _any(r"mat trung", r"khoc khong ra nuoc mat", r"moi kho")),
    ("cứng cổ, ban xuất huyết", _any(r"co cung", r"cung gay", r"cung co$", r"cung co (?:va|kem)",
    r"ban (?:tim|xuat huyet)", r"an (?:\w+ )?khong mat")),
    ("đau ngực", _any(r"dau (?:\w+ )?nguc", r"om nguc", r"tuc nguc")),
    ("dấu hiệu đột quỵ", _any(r"meo (?:mieng|mom|mat|xe)", r"(?:mieng|mom) (?:\w+ )?meo", r"noi ngong", r"nua nguoi",
    r"noi khong ra tieng", r"cam dua rot",
                                r"(?:tay|chan) (?:\w+ )?yeu", r"noi khong ro")),
    ("sốc, da lạnh", _any(r"tay chan lanh", r"va mo hoi", r"mo hoi uot", r"tai (?:met|xanh)", r"trang bech",
                          r"mat tai")),
    ("sưng mặt, nổi mẩn toàn thân", _any(r"sung hup", r"sung moi", r"(?:me day|man) khap", r"choang")),
    ("đau dữ dội", _any(r"du doi", r"lan lon", r"dau quan", r"om bung")),
    ("chấn thương nặng", _any(r"dap dau", r"chan (?:\w+ )?be cong", r"xuong (?:loi|long) ra",
    r"khong dung (?:day )?duoc", r"dap nat",
                              r"bong (?:\w+ ){0,3}(?:het|khap|nguc)", r"phong rop")),
    ("lú lẫn, nói lảm nhảm", _any(r"lam nham", r"khong nhan ra", r"mo mat")),
)  # fmt: skip
FEVER = _any(r"sot", r"nong sot", r"\d\d do")

# --- when ----------------------------------------------------------------------------------------------------------
QUESTION = _any(
    r"the nao", r"nhu the nao", r"ra sao", r"xu ly (?:sao|the nao|ra sao)", r"lam (?:gi|sao) (?:cho|de|truoc)",
    r"nen lam gi", r"phai lam gi", r"co nen", r"so may", r"la so", r"(?:bao|trinh bao|nop|lam|hoc) o dau",
    r"o dau (?:vay|a|ad)",
    r"bao ai", r"so cuu", r"lam sao$", r"de biet", r"minh hoi", r"hoi de",
    r"muon hoc", r"de hoc", r"khi nao", r"dau hieu", r"trieu chung", r"nhan biet", r"co sao (?:khong|ko)", r"la gi",
    r"lam sao (?:biet|giup|noi)", r"cach", r"co can .{0,30}(?:khong|ko)$", r"bao nhieu", r"tap huan",
    r"lop (?:so cuu|hoc|tap huan)",
    r"gi (?:de|truoc)", r"tong dai nao", r"co (?:\w+ ){0,7}(?:khong|ko)$", r"dung sao", r"chuan bi gi", r"de phong",
    r"nguy hiem sao", r"tiem phong", r"phai so tan",
)  # fmt: skip
HYPOTHETICAL = _any(
    r"^(?:khi|neu|lo|gia su)", r"(?:khi|neu|gia su) (?:\w+ ){0,4}(?:thi|bi|gap|co)",
    r"thi (?:xu ly|nen|phai|lam|co nen|can|so cuu|rua|co dau hieu|dung|bao|goi)",
)  # fmt: skip
NOW = _any(
    r"dang", r"bay gio", r"gio (?!lam viec)", r"vua", r"luc nay", r"lam sao (?:bay gio|day|cam)", r"phai lam sao",
    r"cuu (?:voi|em|toi|giup)", r"gap lam", r"roi$", r"nay", r"moi", r"ngay", r"giup (?:em|toi|voi)", r"xong gio",
)  # fmt: skip
PAST = _any(
    r"nam (?:ngoai|kia|truoc|19\d\d|20\d\d)", r"hoi (?:truoc|nho|thang|sang)", r"thang (?:truoc|roi|\d+)",
    r"tuan (?:truoc|roi)", r"hom (?:truoc|bua|qua)", r"dem qua",
    r"da (?:khoi|khoe|on|xuat vien|dap tat|dieu tri|mo|bo bot|ly hon)",
    r"tung (?:bi|co|mac)", r"truoc day", r"xuat vien", r"het sung", r"lanh roi", r"giai quyet",
    r"da (?:xu ly|lap bien ban)",
    r"nuoc rut", r"dang dieu tri", r"khong bi nua", r"sau vu", r"vu (?:\w+ ){0,2}nam", r"da tiem",
)  # fmt: skip
RESOLVED = _any(r"(?:bu|an|choi|tho) binh thuong", r"het khoi", r"ra roi", r"roi thoi", r"da (?:on|khoe)")
# Weak signs of a situation: an alarm only with a danger sign, a weapon, or something happening right now.
WEAK = {
    "violence": _any(r"danh nhau", r"cuop", r"giat (?:tui|day chuyen|dien thoai|xe)", r"trom dang", r"ke gian dang"),
    "fire": _any(
        r"khoi (?:den|doc|day|mu mit|boc)",
        r"boc khoi",
        r"mui gas",
        r"ro (?:ri )?(?:khi )?gas",
        r"khi gas",
        r"gas (?:dang )?(?:xi|ro)",
        r"toe lua",
        r"tieng dung",
        r"chay o",
        r"chap (?:dien|chay)",
    ),
    "drowning": _any(r"nuoc (?:dang )?(?:dangj|tran|chay xiet)", r"sat lo", r"chuot rut", r"lu (?:len|ve|quet|dang)"),
    "poisoning": _any(
        r"thuoc (?:tru sau|diet co|chuot|sau)", r"(?:dot|suoi) than", r"may phat dien", r"(?:khi|mui) than", r"non oi"
    ),
}
WEAPON = _any(r"dao", r"rua", r"ma tau", r"sungj", r"cam sung", r"sung (?:tu che|ngan)", r"kiem", r"bua", r"axit")
