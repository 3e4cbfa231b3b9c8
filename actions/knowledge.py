"""The editable knowledge base under knowledge/: procedures and health guidance, one YAML file per topic.

Files are read once per process (staff edit them and restart the action server). Procedures are read by the one
loader, knowledge/facts.py (the staff console reads it too): every fact carries its legal basis and review dates.
A commune may override a procedure field through its settings JSON, e.g.
``{"procedures": {"chung_thuc_ban_sao": {"fee": "...", "fee_basis": ["Nghị quyết … HĐND tỉnh …"]}}}``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Text, Tuple

import yaml

from actions.common import contains_any, fold
from knowledge.facts import ONLINE_LEVELS, Fact, ProcedureFacts, load_procedures, vietnam_today

KNOWLEDGE_DIR = Path(os.environ.get("XASO_KNOWLEDGE_DIR", Path(__file__).resolve().parent.parent / "knowledge"))
ASPECTS = ("documents", "fee", "time", "deadline", "where", "online", "who", "legal")
OVERRIDABLE = ("name", "who", "documents", "time", "deadline", "fee", "where", "online", "legal", "summary")
FACT_FIELDS = ("who", "documents", "time", "deadline", "fee", "where")
LOCAL_BASIS = "Quy định của địa phương (do xã cập nhật trong cài đặt)"


@dataclass(frozen=True)
class Procedure:
    id: Text
    name: Text
    summary: Text
    who: Text
    documents: Tuple[Text, ...]
    time: Text
    fee: Text
    where: Text
    online_url: Optional[Text]
    online_note: Text
    legal: Tuple[Text, ...]
    keywords: Tuple[Text, ...] = field(default=())
    deadline: Text = ""
    # Legal basis per fact (who, documents, time, deadline, fee, where): cited with the answer about that fact.
    basis: Mapping[Text, Tuple[Text, ...]] = field(default_factory=dict)
    facts: Mapping[Text, Fact] = field(default_factory=dict)  # the versions in force on ``day``
    refines: Tuple[Text, ...] = ()
    day: Optional[date] = None
    upcoming: Mapping[Text, Fact] = field(default_factory=dict)  # the next dated version of a fact, if any
    # Level of the online service (toan_trinh | mot_phan | chua_co, Điều 11 Nghị định 42/2022/NĐ-CP; "" when the file
    # says nothing) and what the link is (page | search | portal; "" for a commune's own link). The level's basis is
    # ``basis["online_level"]``.
    online_level: Text = ""
    online_link: Text = ""


@dataclass(frozen=True)
class HealthTopic:
    id: Text
    title: Text
    guidance: Text
    warning: Text
    keywords: Tuple[Text, ...]
    source: Text = ""  # the guideline the text comes from (Bộ Y tế / WHO), quoted with it
    # What the citizen said that makes one instruction apply now ("2 ngày rồi"): said first, before the guidance.
    first_if: Tuple[Tuple[Tuple[Text, ...], Text], ...] = ()
    child_words: Tuple[Text, ...] = ()  # words naming a child ("con", "bé"): the child's age is asked
    ask_age: Text = ""


def _read(path: Path) -> Dict[Text, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def _procedure(source: ProcedureFacts, day: date) -> Procedure:
    facts = source.on(day)
    basis = {aspect: fact.basis for aspect, fact in facts.items()}
    if source.online is not None:
        basis["online_level"] = source.online.basis
    return Procedure(
        id=source.id,
        name=source.name,
        summary=source.summary,
        who=facts["who"].text,
        documents=facts["documents"].items,
        time=facts["time"].text,
        fee=facts["fee"].text,
        where=facts["where"].text,
        online_url=source.online_url,
        online_note=facts["online"].text if "online" in facts else source.online_note,
        legal=source.legal(day),
        keywords=source.keywords,
        deadline=facts["deadline"].text if "deadline" in facts else "",
        basis=basis,
        facts=dict(facts),
        refines=source.refines,
        day=day,
        upcoming={
            aspect: later[0]
            for aspect, versions in source.variants.items()
            if (later := [fact for fact in versions if fact.valid_from > day])
        },
        online_level=source.online.level if source.online is not None else "",
        online_link=source.online.link if source.online is not None else "",
    )


@lru_cache(maxsize=1)
def sources() -> Dict[Text, ProcedureFacts]:
    """Every procedure file, read once per process; which dated version answers is decided per question."""
    return load_procedures(KNOWLEDGE_DIR)


def procedures(today: Optional[date] = None) -> Dict[Text, Procedure]:
    """The procedures as they stand on ``today`` (Vietnam's date by default, see ``vietnam_today``)."""
    day = today or vietnam_today()
    return {key: _procedure(value, day) for key, value in sources().items()}


def procedure_for(
    procedure_id: Text, overrides: Optional[Mapping[Text, Any]] = None, today: Optional[date] = None
) -> Optional[Procedure]:
    """The procedure on ``today`` with the commune's overrides applied (unknown or malformed fields are ignored)."""
    source = sources().get(procedure_id)
    base = _procedure(source, today or vietnam_today()) if source is not None else None
    if base is None or not overrides:
        return base
    changes: Dict[Text, Any] = {}
    basis = dict(base.basis)
    for key, value in overrides.items():
        if key not in OVERRIDABLE or value in (None, "", []):
            continue
        if key == "online" and isinstance(value, dict):
            url = value.get("url")
            if isinstance(url, str) and url.startswith("https://") and url != base.online_url:
                changes["online_url"], changes["online_link"] = url, ""  # the commune's own page (province portal)
            changes["online_note"] = str(value.get("note", base.online_note))
            if value.get("level") in ONLINE_LEVELS:
                changes["online_level"] = value["level"]
                if value.get("level_basis"):
                    local = value["level_basis"]
                    basis["online_level"] = tuple(str(v) for v in local) if isinstance(local, list) else (LOCAL_BASIS,)
                else:
                    basis["online_level"] = (LOCAL_BASIS,)
        elif key in ("documents", "legal") and isinstance(value, list):
            changes[key] = tuple(str(v) for v in value)
        elif key not in ("online", "documents", "legal") and isinstance(value, str):
            changes[key] = value
        else:
            continue
        if key in FACT_FIELDS:  # the national basis no longer backs a local value: cite the commune's own
            local = overrides.get(f"{key}_basis")
            cited = [str(v) for v in local] if isinstance(local, list) and local else [LOCAL_BASIS]
            basis[key] = tuple(cited)
    return replace(base, basis=basis, **changes)


def commune_overrides(commune: Optional[Mapping[Text, Any]], procedure_id: Text) -> Dict[Text, Any]:
    """Per-procedure overrides from the commune's settings (``settings.procedures.<id>`` or ``settings.<id>``)."""
    settings = (commune or {}).get("settings") or {}
    if not isinstance(settings, dict):
        return {}
    scoped = settings.get("procedures")
    candidate = (scoped if isinstance(scoped, dict) else settings).get(procedure_id)
    return dict(candidate) if isinstance(candidate, dict) else {}


def match_procedure(text: Text) -> Optional[Text]:
    """The procedure whose keywords best match free text (longest keyword wins), for when NLU found no entity."""
    folded = fold(text)
    best: Tuple[int, Optional[Text]] = (0, None)
    for proc in sources().values():
        for keyword in (proc.name, *proc.keywords):
            if len(keyword) > best[0] and contains_any(folded, [keyword]):
                best = (len(keyword), proc.id)
    return best[1]


@lru_cache(maxsize=1)
def health_topics() -> Dict[Text, HealthTopic]:
    topics = {}
    for path in sorted((KNOWLEDGE_DIR / "health").glob("*.yml")):
        data = _read(path)
        if path.name.startswith("_") or data.get("kind") == "emergency":
            continue
        topics[str(data["id"])] = HealthTopic(
            id=str(data["id"]), title=str(data["title"]), guidance=str(data["guidance"]).strip(),
            warning=str(data.get("warning", "")), keywords=tuple(str(k) for k in data.get("keywords") or ()),
            source=str(data.get("source", "")),
            first_if=tuple(
                (tuple(str(w) for w in rule["when"]), str(rule["say"]).strip()) for rule in data.get("first_if") or ()
            ),
            child_words=tuple(str(w) for w in data.get("child_words") or ()), ask_age=str(data.get("ask_age", "")),
        )  # fmt: skip
    return topics


@lru_cache(maxsize=1)
def health_common() -> Dict[Text, Text]:
    return {k: str(v) for k, v in _read(KNOWLEDGE_DIR / "health" / "_common.yml").items()}


def refine_procedure(procedure_id: Optional[Text], text: Text) -> Optional[Text]:
    """A sub-procedure named in the text beats its parent found by the NLU: "chấm dứt giám hộ" is not "giám hộ",
    "cấp lại bản sao giấy khai sinh" is not "khai sinh". The NLU's synonyms map such phrases to the parent."""
    matched = match_procedure(text)
    if matched and procedure_id and matched != procedure_id and procedure_id in sources()[matched].refines:
        return matched
    return procedure_id


def match_health_topic(text: Text) -> Optional[HealthTopic]:
    """The topic with the longest matching keyword; "sốt xuất huyết" beats "sốt"."""
    folded = fold(text)
    best: Tuple[int, Optional[HealthTopic]] = (0, None)
    for topic in health_topics().values():
        for keyword in topic.keywords:
            if len(keyword) > best[0] and contains_any(folded, [keyword]):
                best = (len(keyword), topic)
    return best[1]
