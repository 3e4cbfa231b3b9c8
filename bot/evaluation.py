"""NLU evaluation and one-off parsing inside .venv-rasa; ``cli/nlu.py`` and the benchmark call it as a subprocess.

    python -m bot.evaluation eval MODEL DATA [--out FILE]   # JSON lines: {"progress": i, "total": n} … {"report": …}
    python -m bot.evaluation parse MODEL TEXT                # one JSON object: Rasa's parse
    python -m bot.evaluation score MODEL NAME=PATH…          # the promotion gate's figures per held-out set

A text "has diacritics" when it contains any Vietnamese accented letter; every metric is reported for all texts,
for texts with diacritics and for texts without.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from bot.components.text import has_diacritics

Pair = Tuple[str, str]


def emit(obj: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def load_agent(model: str) -> Any:
    from rasa.core.agent import Agent

    return Agent.load(model_path=model)


def load_examples(path: str) -> List[Dict[str, Any]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(path)
    return [
        {
            "text": m.get("text"),
            "intent": m.get("intent"),
            "entities": sorted({(e["entity"], str(e["value"])) for e in m.get("entities", [])}),
        }
        for m in data.intent_examples
    ]


def intent_metrics(truth: Sequence[str], predicted: Sequence[str]) -> Dict[str, Any]:
    labels = sorted(set(truth))
    per_intent: Dict[str, Dict[str, float]] = {}
    for label in labels:
        tp = sum(t == p == label for t, p in zip(truth, predicted, strict=False))
        fp = sum(p == label != t for t, p in zip(truth, predicted, strict=False))
        fn = sum(t == label != p for t, p in zip(truth, predicted, strict=False))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    confusions = Counter((t, p) for t, p in zip(truth, predicted, strict=False) if t != p)
    return {
        "n": len(truth),
        "accuracy": sum(t == p for t, p in zip(truth, predicted, strict=False)) / len(truth) if truth else 0.0,
        "macro_f1": sum(m["f1"] for m in per_intent.values()) / len(per_intent) if per_intent else 0.0,
        "per_intent": per_intent,
        "confusions": [[t, p, n] for (t, p), n in confusions.most_common()],
    }


def entity_metrics(truth: Sequence[Iterable[Pair]], predicted: Sequence[Iterable[Pair]]) -> Dict[str, Any]:
    tp = fp = fn = exact = 0
    by_type: Dict[str, Counter] = {}
    for expected, found in zip(truth, predicted, strict=False):
        expected, found = set(map(tuple, expected)), set(map(tuple, found))
        exact += expected == found
        for kind, bucket in ((e[0], "tp") for e in expected & found):
            by_type.setdefault(kind, Counter())[bucket] += 1
        for kind, _ in found - expected:
            by_type.setdefault(kind, Counter())["fp"] += 1
        for kind, _ in expected - found:
            by_type.setdefault(kind, Counter())["fn"] += 1
        tp, fp, fn = tp + len(expected & found), fp + len(found - expected), fn + len(expected - found)

    def prf(t: int, f_p: int, f_n: int) -> Dict[str, float]:
        p = t / (t + f_p) if t + f_p else 0.0
        r = t / (t + f_n) if t + f_n else 0.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": t + f_n}

    return {
        "exact_match": exact / len(truth) if truth else 0.0,
        **prf(tp, fp, fn),
        "per_entity": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(by_type.items())},
    }


def report(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    subsets = {
        "all": rows,
        "with_diacritics": [r for r in rows if r["diacritics"]],
        "without_diacritics": [r for r in rows if not r["diacritics"]],
    }
    out: Dict[str, Any] = {}
    for name, subset in subsets.items():
        out[name] = {
            "intent": intent_metrics([r["intent"] for r in subset], [r["predicted_intent"] for r in subset]),
            "entities": entity_metrics([r["entities"] for r in subset], [r["predicted_entities"] for r in subset]),
        }
    return out


def evaluate(model: str, data: str) -> Dict[str, Any]:
    return evaluate_agent(load_agent(model), load_examples(data))


def evaluate_agent(agent: Any, examples: List[Dict[str, Any]], progress: bool = True) -> Dict[str, Any]:
    rows, timings = [], []
    for index, example in enumerate(examples, 1):
        started = time.perf_counter()
        parse = asyncio.run(agent.parse_message(example["text"]))
        timings.append(time.perf_counter() - started)
        rows.append(
            {
                **example,
                "diacritics": has_diacritics(example["text"]),
                "predicted_intent": (parse.get("intent") or {}).get("name"),
                "confidence": (parse.get("intent") or {}).get("confidence"),
                "predicted_entities": sorted({(e["entity"], str(e["value"])) for e in parse.get("entities", [])}),
            }
        )
        if progress:
            emit({"progress": index, "total": len(examples)})
    timings.sort()
    result = report(rows)
    result["errors"] = [r for r in rows if r["intent"] != r["predicted_intent"]]
    result["parse_seconds_median"] = timings[len(timings) // 2] if timings else 0.0
    return result


def gate_scores(result: Dict[str, Any]) -> Dict[str, Any]:
    """The figures the promotion gate compares (cli/gate.py), in percent."""
    every, plain = result["all"], result["without_diacritics"]
    return {
        "n": every["intent"]["n"],
        "intent": 100 * every["intent"]["accuracy"],
        "intent_no_diacritics": 100 * plain["intent"]["accuracy"] if plain["intent"]["n"] else None,
        "entity_f1": 100 * every["entities"]["f1"] if every["entities"]["support"] else None,
        "errors": [[e["text"], e["intent"], e["predicted_intent"]] for e in result["errors"][:20]],
    }


def score(model: str, sets: Sequence[str]) -> Dict[str, Any]:
    """One model on every held-out set (``name=path``), loaded once: the promotion gate's figures (cli/gate.py)."""
    named = [item.split("=", 1) for item in sets]
    agent = load_agent(model)
    out: Dict[str, Any] = {}
    for name, path in named:
        examples = load_examples(path)
        emit({"stage": name, "total": len(examples)})
        out[name] = gate_scores(evaluate_agent(agent, examples, progress=False))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.evaluation")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("eval")
    ev.add_argument("model")
    ev.add_argument("data")
    ps = sub.add_parser("parse")
    ps.add_argument("model")
    ps.add_argument("text")
    sc = sub.add_parser("score")
    sc.add_argument("model")
    sc.add_argument("sets", nargs="+", help="name=path of each held-out set")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if not os.path.exists(args.model):
        emit({"error": f"model not found: {args.model}"})
        return 2
    if args.command == "score":
        emit({"scores": score(args.model, args.sets)})
        return 0
    if args.command == "eval":
        emit({"report": evaluate(args.model, args.data)})
    else:
        parse = asyncio.run(load_agent(args.model).parse_message(args.text))
        emit({"parse": parse})
    return 0


if __name__ == "__main__":
    sys.exit(main())
