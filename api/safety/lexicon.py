"""The gateway's Vietnamese emergency lexicon: accent-insensitive, teencode-aware, no network, no model.

``classify(text)`` names the one situation a message describes (the first match in :data:`SITUATIONS` order, most
life-threatening first) or says it is no emergency. Three things keep false alarms out:

- negation right before a sign ("không khó thở", "hết co giật") cancels that sign;
- a past event ("năm ngoái bố tôi bị đột quỵ, giờ đã khỏe") or a person already in care is not an alarm, unless the
  message also says something is happening now ("lại bị", "bây giờ", "cứu với");
- a question about an illness in general ("đột quỵ có dấu hiệu gì", "cách sơ cứu khi bị bỏng") is not an alarm, unless
  it names someone it is happening to ("bố em", "có người") or something urgent.

Matching is done on the folded text (no diacritics, lower case, teencode spelled out), so "đau ngực", "dau nguc" and
"đau ngựccc" are the same; a few folded words are ambiguous ("ngat" is both ngất and ngạt) and are used only where
every reading is dangerous or with context that settles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import xaso_text

# Teencode and chat shorthand → the word it stands for (whole tokens of the folded text only).
_SHORTHAND = {
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "kg": "khong", "hok": "khong", "hong": "khong",
    "hem": "khong", "hk": "khong", "khum": "khong", "dc": "duoc", "dcj": "duoc", "j": "gi", "r": "roi", "rui": "roi",
    "ruj": "roi", "roy": "roi", "vs": "voi", "e": "em", "ng": "nguoi", "ngta": "nguoi ta", "ck": "chong", "vk": "vo",
    "mk": "minh", "mik": "minh", "mjk": "minh", "ntn": "nhu the nao", "bh": "bay gio", "bjo": "bay gio",
    "bgio": "bay gio", "bv": "benh vien", "tyt": "tram y te", "nhiu": "nhieu", "lem": "lam", "wa": "qua", "qa": "qua",
    "z": "vay", "cx": "cung", "trc": "truoc", "bme": "bo me", "ny": "nguoi yeu", "cuuu": "cuu", "kuu": "cuu",
}  # fmt: skip
_NEGATION = re.compile(r"(?:khong|chua|het|chang|cha|dau co|khong con|khong bi|khong co|chua bi|het bi)\s*$")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, punctuation → space, shorthand spelled out, single spaces."""
    plain = xaso_text.fold(xaso_text.nfc(text))
    # Stretched letters ("cứuuuu", "ngựccc"): a run of three or more becomes one letter ("uu" stays: cứu → cuu).
    plain = re.sub(r"([a-z])\1{2,}", lambda m: "uu" if m.group(1) == "u" else m.group(1), plain)
    tokens = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(_SHORTHAND.get(token, token) for token in tokens)


def _any(*patterns: str) -> re.Pattern[str]:
    """Whole-word alternatives over folded text."""
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(patterns) + r")(?![a-z0-9])")


_RELATIVE = (
    r"(?:con|be|chau|ba|bo|me|ong|vo|chong|anh|chi|em|co|chu|bac|di|cau|thim|mo|ban|ong noi|ba noi|ong ngoai"
    r"|ba ngoai|me chong|bo chong|me vo|bo vo|em trai|em gai|anh trai|chi gai|con trai|con gai|nguoi yeu)"
)
_SELF = r"(?:em|toi|tui|minh|tao|con|chau)"
# "cứu" as a cry for help, not sơ cứu (first aid), tra cứu (look up), nghiên cứu, cựu chiến binh.
_HELP = (
    r"(?<!so )(?<!tra )(?<!nghien )"
    r"cuu (?:voi|em|toi|tui|minh|giup|gium|me|con|nguoi|ba|bo|ong|chau|be|vo|chong|anh|chi|mang|nhanh|ngay|gap)"
    r"|ai cuu|^cuu(?! (?:tinh|tro|chien binh|giao|can bo|ho|the))|(?<!so )(?<!tra )(?<!nghien )cuu$"
)
# Someone it is happening to, now.
PERSON = _any(
    rf"{_RELATIVE} (?:nha )?{_SELF}", rf"{_SELF} (?:dang |vua |moi )?bi",
    r"co (?:nguoi|ai|dua|thang|con|ba|ong|chi|anh|em be|be)", r"(?:mot|hai|\d+) (?:nguoi|chau|dua)", r"hang xom",
    r"nguoi nha", r"nguoi ta", r"nguoi (?:dan ong|phu nu|dan ba|gia)", r"(?:ca|tui|bon|may) (?:nha|dua)",
    r"ben canh", r"ngoai (?:duong|cho|dong|ruong)",
)  # fmt: skip
# Something is happening now, or help is asked for now.
URGENT = _any(
    _HELP, r"khan cap", r"gap (?:lam|qua|len)", r"rat gap", r"goi 115", r"115 oi", r"sos", r"bay gio", r"hien gio",
    r"luc nay", r"vua", r"vua roi", r"hom nay", r"sang nay", r"trua nay", r"chieu nay", r"toi nay", r"dem nay",
    r"lai bi", r"lai len", r"gio lai", r"dang bi", r"dang len", r"nguy kich", r"lam sao bay gio", r"phai lam sao",
    r"(?:gio|van) (?:dang|van|con)(?! (?:dieu tri|nam vien|o benh vien|on|khoe|binh thuong|theo doi))",
    r"giup (?:em|toi|voi|minh|tui|con|chau)",
)  # fmt: skip
# Not happening now: the past, a person already in care, a long-standing or mild condition, or paperwork.
PAST = _any(
    r"(?<!tu )hom qua", r"nam kia", r"da dap tat", r"dap tat (?:roi|xong)", r"(?:di lai|an uong|noi) duoc roi",
    r"nam ngoai", r"nam truoc", r"nam roi", r"thang truoc", r"thang roi", r"tuan truoc",
    r"tuan roi", r"hoi truoc",
    r"truoc day", r"ngay xua", r"hoi xua", r"hoi nho", r"\w+ nam truoc", r"da khoe", r"da khoi", r"da on",
    r"khoe (?:lai )?roi", r"khoi (?:han )?roi", r"da xuat vien", r"xuat vien roi", r"da qua khoi", r"tung bi",
    r"da tung", r"tien su", r"hom truoc", r"hom bua", r"bua truoc", r"dang (?:nam vien|dieu tri|o benh vien)",
    r"da (?:duoc )?(?:cap cuu|dua di vien|dua vao vien|vao vien|nhap vien|chuyen vien)", r"qua doi",
    r"da hoi phuc", r"hoi phuc roi",
    # long-standing, not sudden: "bệnh phổi mạn tính, mùa lạnh hay khó thở", "tai biến nằm một chỗ 3 tháng"
    r"man tinh", r"hay (?:kho tho|dau nguc|len con|bi \w+) (?:hon|khi|vao|moi)", r"thuong xuyen", r"lau dai",
    r"lau nam", r"nam mot cho",
    # mild, or about paperwork: "bỏng nhẹ xử lý sao", "rắn không độc", "tai nạn lao động, chế độ bồi thường"
    r"(?:bong|phong|thuong|dut tay|tai bien|dot quy|kho tho|ngo doc|dot|di ung|tai nan|va cham|xay xat|sung) nhe",
    r"nhe (?:xu ly|thi|co can|nen|lam sao)", r"khong doc", r"(?:1|mot) (?:vet|not|cho)", r"che do",
    r"boi thuong", r"thu tuc",
    r"ho so", r"giay to", r"tro cap", r"co quan nao",
)  # fmt: skip
GENERAL = _any(
    r"la gi", r"la benh gi", r"la sao", r"lay (?:the nao|nhu the nao|qua|truyen|lan|khong|sang)", r"lay lan",
    r"phong (?:benh|ngua|tranh|chong)", r"cach (?:so cuu|xu ly|xu tri|phong|nhan biet|cham soc)",
    r"so cuu (?:the nao|nhu the nao|ra sao)", r"khi (?:bi|gap|nguoi|tre|co nguoi|thay)", r"neu (?:bi|co|tre|gap)",
    r"dau hieu", r"trieu chung", r"bieu hien", r"nguyen nhan", r"co nguy hiem (?:khong|ko)", r"tai sao", r"vi sao",
    r"hoc (?:so cuu|cach)", r"tap huan", r"lop (?:so cuu|hoc)", r"phim", r"tin tuc", r"bao chi", r"thong ke",
    r"vac xin", r"tiem (?:phong|ngua)", r"bao hiem", r"(?:so|so dien thoai|tong dai|hotline) (?:cap cuu|115)",
    r"(?:co|lam) (?:xe )?cap cuu (?:khong|ko)", r"xe cap cuu (?:khong|co)", r"nhan biet", r"chuan bi gi",
    r"khi nao (?:can|phai|nen)", r"co (?:duoc|nen|can|phai) .{0,40}(?:khong|ko)$",
)  # fmt: skip

_FEVER = r"(?:sot|nong sot|sot cao|len con sot|phat sot)"
_DANGER_SIGN = (
    r"(?:li bi|lo mo|kho danh thuc|khong danh thuc|goi khong (?:day|tinh)|bo bu|khong bu duoc|khong (?:chiu )?bu"
    r"|khong uong duoc|khong an uong duoc|non (?:het|tat ca|moi thu|lien tuc)|cung co|co cung|gay cung"
    r"|ban .{0,15}khong (?:mat|bien mat|lan|lan di)|ban xuat huyet|kho tho|tho nhanh"
    r"|tho rut lom|rut lom nguc|tim tai|tim moi|co giat|giat minh lien tuc|duoi (?:3|ba) thang|(?:1|2|mot|hai) thang"
    r"|\d+ ngay tuoi|so sinh|chay mau (?:cam|chan rang|mui)|non ra mau|dau bung du doi|lu du)"
)

# The situations, most life-threatening first; the first that matches names the text the citizen gets.
SITUATIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tu_tu", _any(
        r"(?:muon|dinh|doi|se|da|vua|dang|co y dinh|nghi den|nghi toi|co nguoi|ai do|dua|no|ong|ba|anh|chi|em|con"
        r"|vo|chong|be|chau|ban) tu tu(?! (?:roi (?:tinh|noi|lam|tra|xem)|thoi|da|nha|nhe|thi|ma|noi|lam|tinh|an"
        r"|di|xem|cho|doc|nghi|kiem|tra|hoc|tim))",
        r"tu tu (?:bang|o|tai|trong)", r"tu sat", r"(?:em|toi|tui|minh|tao|con|no|chau) (?:chi |that su |rat |dang )?"
        r"muon (?:chet|tu tu)", r"khong muon song", r"chan song", r"tu lam hai", r"tu (?:cat|rach) (?:tay|co tay)",
        r"treo co", r"nhay (?:cau|song|lau)", r"uong (?:ca|het) (?:vi|lo|hop) thuoc", r"ket thuc cuoc (?:doi|song)",
        r"song khong noi nua",
    )),
    ("hoc_di_vat", _any(
        r"hoc hat (?:nhan|mit|vai|chom chom|dua|xoai|tao|dieu|lac|dau|na|bi|mang cau|buoi|cam)",
        r"hoc (?:\w+ ){0,3}khong (?:tho|khoc|ho|noi) (?:duoc|ra)",
        r"hoc (?:di vat|xuong|xuong ca|keo|do an|thach|dong xu|com|thit|banh|do choi|nap chai|vien thuoc)",
        r"bi hoc",
        r"mac nghen", r"nghen (?:thuc an|do an|tho|khong tho|cung hong|o co)", r"di vat (?:duong tho|o hong)",
        r"sac (?:sua|nuoc|bot|chao)?\s*(?:\w+ )?(?:khong tho|kho tho|tim)",
        r"nuot (?:\w+ ){1,3}.{0,20}(?:tim|khong tho|kho tho|nghen)",
    )),
    ("duoi_nuoc", _any(
        r"duoi nuoc", r"chet duoi", r"bi nuoc cuon", r"nuoc cuon troi", r"chim (?:xuong )?(?:nuoc|song|ao)",
        r"(?:te|nga|lot|rot) (?:xuong )?(?:song|ao|ho nuoc|ho ca|ho boi|kenh|muong|gieng|dam|be nuoc|nuoc|lu|suoi"
        r"|bien)", r"roi xuong (?:song|ao|ho|kenh|muong|gieng|dam|nuoc|suoi|bien)",
    )),
    ("dien_giat", _any(r"dien giat", r"(?<!cuop )giat dien(?! thoai)", r"set (?:danh|dam|giat)")),
    ("chay_nha", _any(
        r"chay nha", r"hoa hoan", r"dam chay", r"chay rung", r"chay (?:lon|du doi|to)", r"nha (?:dang )?chay",
        r"mac ket trong (?:dam chay|nha chay|lua)", r"chay (?:cua hang|phong tro|kiot|ki ot)",
    )),
    ("ngung_tho", _any(
        r"ngung tho", r"tat tho", r"khong (?:con )?tho(?: nua)?(?! duoc| noi)", r"ngung tim",
        r"tim (?:ngung|ngung dap|khong dap)", r"khong con mach",
    )),
    ("dau_nguc", _any(
        r"dau nguc", r"tuc nguc", r"that nguc", r"nhoi mau(?! nao)", r"len con (?:dau )?tim", r"dau tim",
        r"dau (?:that|tuc|de nang) (?:o )?(?:tim|nguc)",
    )),
    ("dot_quy", _any(
        r"dot quy", r"tai bien(?! san| sau tiem| thai| tiem)", r"meo mieng", r"meo mat", r"meo mom",
        r"(?:mieng|mom) (?:lech|meo|xeo)", r"(?:lech|xeo) mieng",
        r"(?:liet|yeu|te) nua nguoi",
        r"(?:liet|yeu) (?:mot )?ben (?:nguoi|tay|chan)", r"noi (?:ngong|kho|lap|khong ra tieng) (?:dot ngot|tu nhien)",
        r"dot ngot (?:noi ngong|noi kho|khong noi duoc|liet|yeu)", r"xuat huyet nao", r"nhoi mau nao",
    )),
    ("co_giat", _any(r"co giat", r"dong kinh", r"len con giat", r"giat (?:tay chan|lien hoi|ung uc)", r"sui bot mep")),
    ("sot_nguy_hiem", _any(_DANGER_SIGN)),  # only with a fever (_REQUIRES)
    ("soc_phan_ve", _any(
        r"soc phan ve", r"phan ve", r"soc thuoc", r"di ung (?:nang|sung|kho tho|toan than|khap nguoi)",
        r"(?:sung|phu) (?:mat|moi|hong|luoi|ca mat).{0,40}(?:kho tho|tho khong|choang|ngat)",
        r"(?:bi|con|dan|to|bay|nhieu con|ca dan) ong (?:(?:vo ve|bau|khoai|dat|mat) )?(?:dot|chich|canh).{0,40}"
        r"(?:mat|mi mat|nhieu|khap|ca dan|kho tho|choang|sung|mieng|hong)",
        r"ong (?:vo ve|bau|khoai|dat) (?:dot|chich|canh)", r"ca dan ong",
    )),
    ("ngo_doc", _any(
        r"ngo doc", r"uong nham", r"an nham",
        r"uong (?:phai )?(?:thuoc )?(?:tru sau|diet co|chuot|diet chuot|tay|xang|dau hoa|axit|nuoc tay)",
        r"(?<!phun )(?<!xit )thuoc (?:tru sau|chuot|diet co)", r"an (?:phai )?nam (?:doc|la|rung)", r"qua lieu",
        r"nuot (?:phai |nham )?(?:\w+ )?(?:pin|nam cham|dong xu|thuoc|hoa chat)", r"khi gas", r"ro ri khi", r"ngat khi",
        r"hit phai", r"khi than (?:to ong|cui)", r"ruou (?:methanol|gia)",
    )),
    ("ran_can", _any(r"ran (?:doc |luc |ho |cap nong |cap nia |la )?(?:can|mo)", r"bi ran", r"ran doc")),
    ("chay_mau", _any(
        r"chay (?:rat )?nhieu mau", r"ra (?:rat )?nhieu mau", r"mau (?:me )?(?:be bet|tung toe|dam dia)",
        r"mau ra (?:du|nhieu|qua|khong cam|xoi xa|lenh lang|ghe|lien tuc)",
        r"chay mau (?:nhieu|khong (?:cam|ngung|dung|het)|lenh lang|xoi xa|dau|o dau|dam dia|qua|ghe)",
        r"mau chay (?:khong (?:cam|ngung|dung)|nhieu|xoi xa|lenh lang|ghe)", r"mat (?:nhieu )?mau", r"bi dam",
        r"bi chem", r"dam (?:chay mau|bi thuong)", r"dut (?:lia|roi) (?:tay|chan|ngon)", r"dut (?:dong mach|ngon tay)",
        r"vet (?:thuong|cat|dut) (?:sau|rat sau|lon|chay mau nhieu)", r"xuat huyet nang", r"non ra mau",
        r"oi ra mau", r"ho ra mau", r"mau phun", r"phun mau",
    )),
    ("bat_tinh", _any(
        r"bat tinh", r"ngat(?! mui)", r"(?<!muon )xiu (?:xuong|roi|mat)", r"(?:te|nga|bi|len con) xiu", r"hon me",
        r"khong (?:con )?tinh (?:lai|day|nua|tao)", r"khong (?:con )?tinh$",
        r"(?:goi|keu|lay) (?:\w+ )?khong (?:tinh|day|tra loi)",
        r"nga guc", r"guc xuong", r"nam bat dong", r"bat dong (?:khong|roi)", r"mat y thuc", r"lo mo",
        r"dot nhien nga", r"tu nhien nga",
    )),
    ("kho_tho", _any(
        r"kho tho", r"khong tho (?:duoc|noi)", r"tho (?:doc|gap|rit|khong noi|khong ra hoi|hut hoi)", r"tim tai",
        r"tim moi", r"(?:mat|moi) tim", r"ngat tho",
        r"len con hen", r"hen (?:suyen )?(?:nang|kho tho|len con)", r"ngat khoi",
    )),
    ("bong", _any(
        r"bi bong(?! gan| da| troc| son| keo| gach| bong)",
        r"bong (?:nuoc soi|lua|dien|hoa chat|xang|dau soi|toan than|nhieu|nuoc nong|chao dau|ca nguoi)",
        r"bi phong", r"phong (?:nuoc soi|lua|dau soi|nuoc nong)", r"lua (?:chay|bat) vao (?:nguoi|quan ao)",
        r"tat (?:axit|a xit)",
    )),
    ("sinh_de", _any(
        r"vo oi (?:roi|som|non)", r"(?:bi|da|dang|vua|moi) vo oi", r"vo oi$", r"chuyen da", r"de rot",
        r"sap (?:sinh|de) .{0,20}(?:dau bung|ra mau|ra nuoc|vo oi|dau du doi|dau qua|cuu)",
        r"(?:sap|dang) (?:sinh|de) roi(?! (?:thi|nen|can|lam|muon|ma))",
        r"(?:mang thai|co thai|co bau|bau|thai) .{0,30}(?:ra (?:nhieu )?mau|ra huyet|dau bung du doi|co giat)",
        r"ra mau .{0,20}(?:mang thai|co thai|co bau|bau)", r"dang de", r"bang huyet", r"doa sinh non",
    )),
    ("chan_thuong", _any(
        r"tai nan", r"(?:xe|o to|xe tai|xe may|xe khach|xe con) (?:tong|dam|cuon)",
        r"(?:xe|o to|xe tai|xe may|xe khach|xe con) can (?:nguoi|qua nguoi|chet|phai)",
        r"bi (?:xe )?(?:tong|dam|can) xe", r"bi xe (?:tong|dam|can|cuon)",
        r"(?:nga|te|roi|rot) (?:tu |tren |xuong tu )+(?:cao|mai|tang|cay|gian|cau thang|nha|lau)",
        r"(?:nga|te) (?:cau thang|xe)", r"dap dau", r"chan thuong (?:dau|so nao|nang|cot song|co)",
        r"gay (?:chan|tay(?! vin| nam| cam| ghe| lai)|xuong|cot song|xuong dui)",
        r"bi thuong (?:nang|nhieu|rat nang)", r"thuong nang",
        r"sap (?:nha|tuong|gian)", r"bi (?:tuong|cay|da) (?:de|do|rot)",
    )),
    ("chung", _any(
        r"cap cuu", _HELP, r"sos", r"goi 115", r"115 oi", r"(?:bao|lien he|xe) 115", r"khan cap", r"nguy kich",
        r"nguy hiem tinh mang", r"hap hoi",
    )),
)  # fmt: skip
FEVER = _any(_FEVER)
# A situation that needs a second sign besides its own (a danger sign is an emergency only with a fever).
_REQUIRES = {"sot_nguy_hiem": FEVER}
# Things, not people: "trụ đèn bị xe tông" is a report about a lamp post, not an injury.
_THING_HIT = _any(
    r"(?:tru|cot|bong) (?:den|dien)",
    r"(?:tuong|cong|hang rao|rao|cay|bien bao|lan can|dai phan cach|cot|tru) (?:\w+ ){0,6}?(?:bi )?(?:xe )?"
    r"(?:\w+ )?(?:tong|dam|can)",
)
_HURT = _any(r"nguoi", r"nan nhan", r"bi thuong", r"chay mau", r"bat tinh", r"chet", r"gay (?:chan|tay|xuong)")
# A message with one of these but no situation may still be an emergency the lexicon does not know: the NLU is asked
# about it when it is up (api/safety/flows.py).
CUES = _any(
    r"dau (?:bung|dau|nguc|lung|tim|qua|du doi|lam|du)", r"sot", r"non", r"mau", r"tho", r"nga", r"xiu", r"ngat",
    r"giat", r"nguy", r"liet", r"sung", r"phu ne", r"ngo", r"bong", r"gay", r"chet", r"ran", r"nghen", r"sac",
    r"choang", r"lo mo", r"li bi", r"benh nang", r"bi thuong", _HELP, r"115", r"met lam", r"mieng", r"nuot",
    r"(?:mat|moi|da) tim", r"chay", r"lech", r"giat", r"cat trung", r"bi dam",
)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    situation: str | None  # the situation id when this is an emergency
    reason: str  # emergency | negated | past | general | none
    suspect: bool = False  # no situation, but words the NLU should look at

    @property
    def emergency(self) -> bool:
        return self.situation is not None


def _signs(folded: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` occurs and at least one occurrence is not negated by the words just before it."""
    return any(
        not _NEGATION.search(folded[max(0, match.start() - 16) : match.start()]) for match in pattern.finditer(folded)
    )


def classify(text: str) -> Verdict:
    """The emergency situation ``text`` describes, or why it is not one."""
    folded = fold(text)
    if not folded or folded.startswith("/") or (text or "").lstrip().startswith("/"):
        return Verdict(None, "none")  # button payloads ("/affirm") are never emergencies
    situation = next(
        (
            name
            for name, pattern in SITUATIONS
            if _signs(folded, pattern) and (name not in _REQUIRES or _signs(folded, _REQUIRES[name]))
        ),
        None,
    )
    if situation is None:
        negated = any(pattern.search(folded) for _, pattern in SITUATIONS)
        return Verdict(None, "negated" if negated else "none", suspect=bool(CUES.search(folded)) and not negated)
    if situation == "chan_thuong" and _THING_HIT.search(folded) and not _HURT.search(folded):
        return Verdict(None, "thing")
    urgent = bool(URGENT.search(folded))
    if PAST.search(folded) and not urgent:
        return Verdict(None, "past")
    if GENERAL.search(folded) and not (urgent or PERSON.search(folded)):
        return Verdict(None, "general")
    return Verdict(situation, "emergency")
