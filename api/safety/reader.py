"""The learned second reader: is this message an emergency? A logistic regression over character and word n-grams of
the folded text (scikit-learn), trained on our own written examples only: ``api/safety/training.yml`` and the NLU
training data (``nlu_data/nlu``: ``health_emergency`` against every other intent). Never on the frozen evaluation set.

Training takes about a second; the fitted model's weights (its n-grams, their idf and coefficients) are cached as
JSON under ``var/safety/`` by the content hash of its training text (and the library version), so it is trained once
at ``xaso run`` (cli/run.py) or at first use, never downloaded. The gateway never waits for it: until the model is
ready, the triage alone decides (``probability`` returns None). Scoring needs only the weights (``Linear``): a gateway
process loads scikit-learn (about 100 MB and a second of CPU with SciPy) only if it has to train.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from api.config import PROJECT_ROOT, get_settings
from api.safety.lexicon import fold

if TYPE_CHECKING:  # scikit-learn is imported where a model is fitted, never to score (the module docstring)
    from sklearn.pipeline import Pipeline

TRAINING = PROJECT_ROOT / "api" / "safety" / "training.yml"
NLU_DIR = PROJECT_ROOT / "nlu_data" / "nlu" / "intents"
EMERGENCY_INTENT = "health_emergency"
THRESHOLD = 0.5  # above this the reader calls it an emergency
_VERSION = 2  # bump when the features, the model or the cached form change (2: weights as JSON)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    text: str
    emergency: bool
    family: str | None  # the situation family when known (for the held-out-family figure)


def _plain(example: str) -> str:
    from api.safety.evaluation import _plain as plain

    return plain(example)


def training_examples(training: Path = TRAINING, nlu_dir: Path = NLU_DIR) -> list[Example]:
    data = yaml.safe_load(training.read_text(encoding="utf-8")) or {}
    examples = [Example(str(i["text"]), bool(i["emergency"]), i.get("situation")) for i in data.get("items") or []]
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            intent = block.get("intent")
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if intent and line.startswith("- "):
                    examples.append(Example(_plain(line[2:]), intent == EMERGENCY_INTENT, None))
    return examples


def build() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ]
    )
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("model", model)])


def fit(examples: list[Example]) -> Pipeline:
    pipeline = build()
    pipeline.fit([fold(e.text) for e in examples], [int(e.emergency) for e in examples])
    return pipeline


def content_hash(examples: list[Example]) -> str:
    payload = json.dumps([[e.text, e.emergency] for e in examples], ensure_ascii=False)
    library = version("scikit-learn")  # the installed version, read without importing it
    return hashlib.sha256(f"{_VERSION}:{library}:{payload}".encode()).hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(get_settings().data_dir) / "safety"


def load_or_train(cache_dir: Path | None = None) -> Linear:
    """The reader for the current training text: its weights from the cache, or fitted now and cached."""
    examples = training_examples()
    directory = cache_dir or _cache_dir()
    path = directory / f"reader-{content_hash(examples)}.json"
    if path.exists():
        try:
            return Linear(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:  # a torn or foreign file: train again, never run without it
            log.warning("Safety reader cache %s unreadable (%s); training again", path, exc)
    weights = export(fit(examples))
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(weights, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return Linear(weights)


_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """TfidfVectorizer(analyzer="char_wb")'s n-grams of a lower-case text: inside words, padded with a space."""
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:  # a short word counts once
                break
    return grams


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """TfidfVectorizer(analyzer="word")'s n-grams of a lower-case text (tokens of two or more word characters)."""
    tokens = _TOKEN.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


_ANALYSERS = {"char_wb": char_wb_ngrams, "word": word_ngrams}


def export(pipeline: Pipeline) -> dict[str, Any]:
    """The fitted pipeline as the weights ``Linear`` scores with: per vectoriser, its analyser, n-gram range, and each
    n-gram's idf and coefficient; the intercept. Refuses a pipeline of another shape than ``build``'s."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    union, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    if getattr(union, "transformer_weights", None) or len(model.classes_) != 2:
        raise ValueError("not the reader's pipeline")
    coef = model.coef_[0]
    parts: list[dict[str, Any]] = []
    offset = 0
    for _, vectoriser in union.transformer_list:
        plain = (
            isinstance(vectoriser, TfidfVectorizer)
            and vectoriser.analyzer in _ANALYSERS
            and vectoriser.norm == "l2"
            and vectoriser.use_idf
            and vectoriser.lowercase
            and not vectoriser.binary
            and vectoriser.preprocessor is None
            and vectoriser.tokenizer is None
            and vectoriser.stop_words is None
            and vectoriser.strip_accents is None
            and vectoriser.token_pattern == _TOKEN.pattern
        )
        if not plain:
            raise ValueError("not the reader's pipeline")
        vocabulary, idf = vectoriser.vocabulary_, vectoriser.idf_
        terms = {term: [float(idf[i]), float(coef[offset + i])] for term, i in vocabulary.items()}
        low, high = vectoriser.ngram_range
        parts.append(
            {"analyser": vectoriser.analyzer, "ngrams": [low, high], "sublinear": bool(vectoriser.sublinear_tf),
             "terms": terms}
        )  # fmt: skip
        offset += len(vocabulary)
    return {"version": _VERSION, "intercept": float(model.intercept_[0]), "parts": parts}


class Linear:
    """The fitted pipeline's probability computed from its exported weights: the same n-grams, the same tf-idf weights
    (sublinear tf, idf, l2 norm per vectoriser) and the same logistic regression, as sums over the few n-grams of one
    message. scikit-learn's ``predict_proba`` on one short text spent most of its time checking its input and building
    sparse matrices (~26% of the gateway's CPU per turn in a py-spy profile, issue 28), and loading it costs a gateway
    process ~100 MB. Equal to the pipeline's answer to within floating-point rounding
    (tests/safety/test_reader_fast.py).
    """

    def __init__(self, weights: dict[str, Any]) -> None:
        if weights.get("version") != _VERSION:
            raise ValueError(f"reader weights of version {weights.get('version')!r}, not {_VERSION}")
        self.intercept = float(weights["intercept"])
        self.parts: list[tuple[Any, int, int, dict[str, list[float]], bool]] = []
        for part in weights["parts"]:
            low, high = part["ngrams"]
            self.parts.append((_ANALYSERS[part["analyser"]], low, high, part["terms"], bool(part["sublinear"])))

    def probability(self, folded: str) -> float:
        z = self.intercept
        text = folded.lower()
        for analyse, low, high, weights, sublinear in self.parts:
            counts: dict[str, int] = {}
            for term in analyse(text, low, high):
                if term in weights:
                    counts[term] = counts.get(term, 0) + 1
            values = [((1.0 + math.log(n)) if sublinear else float(n)) * weights[t][0] for t, n in counts.items()]
            norm = math.sqrt(sum(v * v for v in values))
            if norm:
                z += sum(v * weights[t][1] for v, t in zip(values, counts, strict=True)) / norm
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


class _Reader:
    """Loaded once per process in the background; ``probability`` never blocks on training."""

    def __init__(self) -> None:
        self._model: Linear | None = None
        self._lock = threading.Lock()
        self._started = False

    def _load(self) -> None:
        try:
            model = load_or_train()
        except Exception:  # the triage alone still decides
            log.exception("Safety reader not available")
            return
        self._model = model

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name="safety-reader", daemon=True).start()

    def wait(self) -> Linear:
        """Load synchronously (evaluation, tests, ``xaso run``)."""
        if self._model is None:
            with self._lock:
                self._started = True
                if self._model is None:
                    self._model = load_or_train()
        return self._model

    def probability(self, text: str) -> float | None:
        model = self._model
        if model is None:
            self.start()
            return None
        return float(model.probability(fold(text)))


READER = _Reader()


def held_out_families(items: list[Any], threshold: float = THRESHOLD) -> dict[str, tuple[int, int]]:
    """Train without one situation family at a time (its training sentences and the NLU emergencies the triage reads
    as that family), test on that family's frozen emergencies: how many the reader alone still calls emergencies."""
    from api.safety.triage import read

    examples = training_examples()
    families = [e.family or (read(e.text).what[:1] or ("medical",))[0] if e.emergency else e.family for e in examples]
    result: dict[str, tuple[int, int]] = {}
    for family in sorted({i.situation for i in items if i.emergency}):
        kept = [e for e, f in zip(examples, families, strict=True) if not (e.emergency and f == family)]
        model = fit(kept)
        tests = [fold(i.text) for i in items if i.emergency and i.situation == family]
        caught = int(sum(p >= threshold for p in model.predict_proba(tests)[:, 1]))
        result[family] = (caught, len(tests))
    return result
