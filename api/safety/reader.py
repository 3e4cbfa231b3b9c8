"""The learned second reader: is this message an emergency? A logistic regression over character and word n-grams of
the folded text (scikit-learn), trained on our own written examples only: ``api/safety/training.yml`` and the NLU
training data (``nlu_data/nlu``: ``health_emergency`` against every other intent). Never on the frozen evaluation set.

Training takes about a second; the fitted model is cached under ``var/safety/`` by the content hash of its training
text (and the library version), so it is trained once at ``xaso run`` (cli/run.py) or at first use, never downloaded.
The gateway never waits for it: until the model is ready, the triage alone decides (``probability`` returns None).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from api.config import PROJECT_ROOT, get_settings
from api.safety.lexicon import fold

TRAINING = PROJECT_ROOT / "api" / "safety" / "training.yml"
NLU_DIR = PROJECT_ROOT / "nlu_data" / "nlu" / "intents"
EMERGENCY_INTENT = "health_emergency"
THRESHOLD = 0.5  # above this the reader calls it an emergency
_VERSION = 1  # bump when the features or the model change
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
    return hashlib.sha256(f"{_VERSION}:{sklearn.__version__}:{payload}".encode()).hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(get_settings().data_dir) / "safety"


def load_or_train(cache_dir: Path | None = None) -> Pipeline:
    """The fitted reader for the current training text: from the cache, or trained now and cached."""
    examples = training_examples()
    directory = cache_dir or _cache_dir()
    path = directory / f"reader-{content_hash(examples)}.joblib"
    if path.exists():
        try:
            model: Pipeline = joblib.load(path)
            return model
        except Exception as exc:  # a torn or foreign file: train again rather than run without the reader
            log.warning("Safety reader cache %s unreadable (%s); training again", path, exc)
    model = fit(examples)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)
    return model


class Linear:
    """The fitted pipeline's probability computed directly: the same n-grams (each vectoriser's own analyser), the
    same tf-idf weights (sublinear tf, idf, l2 norm per vectoriser) and the same logistic regression, as sums over
    the few n-grams of one message. scikit-learn's ``predict_proba`` on one short text spent most of its time checking
    its input and building sparse matrices: ~26% of the gateway's CPU per turn in a py-spy profile (issue 28). Equal
    to the pipeline's answer to within floating-point rounding (tests/safety/test_reader_fast.py)."""

    def __init__(self, pipeline: Pipeline) -> None:
        union, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
        if getattr(union, "transformer_weights", None) or len(model.classes_) != 2:
            raise ValueError("not the reader's pipeline")
        coef = model.coef_[0]
        self.intercept = float(model.intercept_[0])
        self.parts: list[tuple[Any, dict[str, tuple[float, float]], bool]] = []
        offset = 0
        for _, vectoriser in union.transformer_list:
            if not isinstance(vectoriser, TfidfVectorizer) or vectoriser.norm != "l2" or not vectoriser.use_idf:
                raise ValueError("not the reader's pipeline")
            vocabulary, idf = vectoriser.vocabulary_, vectoriser.idf_
            weights = {term: (float(idf[i]), float(coef[offset + i])) for term, i in vocabulary.items()}
            self.parts.append((vectoriser.build_analyzer(), weights, bool(vectoriser.sublinear_tf)))
            offset += len(vocabulary)

    def probability(self, folded: str) -> float:
        z = self.intercept
        for analyse, weights, sublinear in self.parts:
            counts: dict[str, int] = {}
            for term in analyse(folded):
                if term in weights:
                    counts[term] = counts.get(term, 0) + 1
            values = [((1.0 + math.log(n)) if sublinear else float(n)) * weights[t][0] for t, n in counts.items()]
            norm = math.sqrt(sum(v * v for v in values))
            if norm:
                z += sum(v * weights[t][1] for v, t in zip(values, counts, strict=True)) / norm
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def scorer(pipeline: Pipeline) -> Any:
    """``folded text -> probability``: the direct computation, or the pipeline itself if it is another shape."""
    try:
        return Linear(pipeline).probability
    except (ValueError, AttributeError, KeyError):
        return lambda folded: float(pipeline.predict_proba([folded])[0][1])


class _Reader:
    """Loaded once per process in the background; ``probability`` never blocks on training."""

    def __init__(self) -> None:
        self._model: Pipeline | None = None
        self._score: Any = None
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

    def wait(self) -> Any:
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
        score = self._score
        if score is None or score[0] is not model:
            score = self._score = (model, scorer(model))
        return float(score[1](fold(text)))


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
