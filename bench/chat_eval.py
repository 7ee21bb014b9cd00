"""`make eval-chat`: the AIチャット on the blind evaluation set, dev and locked halves apart.

    python -m bench.chat_eval [--half dev|locked|locked15|regression|all] [--verbose]
                              [--calibrate] [--by-writer] [--refresh-vectors] [--json]

The sets (bench/chat_eval/README.md says where they come from):

- dev half (clickar/help/kb/examples.jsonl): tuned on freely, and the engine
  learns from it (its examples sit next to each topic's own text).  Each dev
  question is asked without the examples of its own fold (10-fold
  cross-validation), so the dev figures are not a lookup.  Misses are printed with their text.
- locked test half (bench/chat_eval/test_locked14.jsonl): the fourteenth blind batch,
  never tuned on.  Only aggregate figures and a per-topic confusion of COUNTS
  are printed (expected → got); its questions are never shown, whatever the flags.
- locked fifteenth batch (bench/chat_eval/test_locked15.jsonl): another blind writer's
  300 (personas: kanji compounds only, a tablet or PC at home, something that
  happened days ago, slang and typos, for a colleague, two questions joined with
  あと/それと), written at the same time,
  kept whole as locked, printed alike.  Decided before their run: issue 20's
  targets count as met only when BOTH batches meet them.
- The thirteen earlier blind batches (README.txt … README13.txt) are in the dev half
  (examples.jsonl, "from": "blind1" … "blind13"): each was locked until run and
  read in aggregate; batches 1–5 joined the dev half in the eighth session
  (2026-12-05), replaced by batches 6 and 7, which were run once (README6/7.txt)
  and joined it in turn, replaced by batches 8 and 9, which were run twice and
  joined it in the ninth session, replaced by batches 10 and 11, run once
  (README10/11.txt) and joined it in turn, replaced by batches 12 and 13, run
  once (README12/13.txt) and joined it, replaced by batches 14 and 15 (issue 20:
  "replace it with a fresh blind batch and say so").
- regression set (tests/help/eval_questions.jsonl): the old self-written set,
  written together with the knowledge base; kept to notice regressions only.

Figures per set
- top-1: in-scope questions whose first topic (the answer, or the first
  suggestion) is the expected one;
- suggest-hits: in-scope questions not top-1 whose expected topic is among
  the suggestions;
- confident wrong answers: an 'answer' with the wrong topic, or any
  out-of-scope question answered;
- out-of-scope refused: out-of-scope questions that got suggest or handoff
  (and how many of the near-domain ones got a handoff naming who can help);
- latency per question, p50/p95, one core, the model loaded once.

Exit status 1 when a locked batch misses a target of issue 20 (top-1 ≥ 0.90,
no confident wrong answer, ≥ 98 % out-of-scope refused, every other in-scope
question a suggest-hit: "not offered" 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "clickar" / "help" / "kb" / "examples.jsonl"
# Fourteenth and fifteenth blind batches (README14.txt, README15.txt), written 2026-12-05 ~22:30 UTC by two
# writers who saw only the titles and gists (each brief is at the end of its README); kept whole as locked,
# never tuned on. The first thirteen batches are in the dev half now (see the module's docstring).
LOCKED = ROOT / "bench" / "chat_eval" / "test_locked14.jsonl"
LOCKED15 = ROOT / "bench" / "chat_eval" / "test_locked15.jsonl"
REGRESSION = ROOT / "tests" / "help" / "eval_questions.jsonl"

TARGET_TOP1 = 0.90
TARGET_REFUSED = 0.98


def load(path: Path) -> list[dict]:
    """Rows as {"q", "expect", "near"}; 'out' for out of scope (the old set's 'handoff' too)."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            row = json.loads(line)
            expect = row.get("expect", row.get("expected"))
            if expect == "handoff":
                expect = "out"
            rows.append({"q": row["q"], "expect": expect, "near": bool(row.get("near")),
                         **({"from": row["from"]} if "from" in row else {})})
    return rows


def unseen(rows: list[dict], dev: list[dict]) -> tuple[list[dict], int]:
    """A locked set without the questions whose text is also a dev question (a later writer
    sometimes typed the very same short line, 「ロックされた」): the engine has learnt those, so they
    would be lookups, not unseen questions. Returns the rest and how many were left out."""
    learnt = {row["q"] for row in dev}
    kept = [row for row in rows if row["q"] not in learnt]
    return kept, len(rows) - len(kept)


@dataclass
class Result:
    name: str
    in_scope: int = 0
    out_scope: int = 0
    near: int = 0
    top1: int = 0
    suggest_hits: int = 0
    direct: int = 0
    wrong: int = 0
    refused: int = 0
    near_handoff: int = 0
    handoff_in_scope: int = 0
    confusion: Counter = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def pct(self, p: float) -> float:
        from bench.chat import _percentile

        return _percentile(self.latencies, p)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def refused_rate(self) -> float:
        return self.refused / self.out_scope if self.out_scope else 1.0

    @property
    def not_offered(self) -> int:
        """In-scope questions neither first nor among the suggestions (handed off included)."""
        return self.in_scope - self.top1 - self.suggest_hits

    @property
    def passed(self) -> bool:
        return (self.top1_rate >= TARGET_TOP1 and self.wrong == 0 and self.refused_rate >= TARGET_REFUSED
                and self.not_offered == 0)

    def as_dict(self) -> dict:
        return {
            "set": self.name, "in_scope": self.in_scope, "out_of_scope": self.out_scope,
            "top1": round(self.top1_rate, 4), "suggest_hits": self.suggest_hits,
            "not_offered": self.not_offered,
            "direct_answers": self.direct, "confident_wrong": self.wrong,
            "out_of_scope_refused": round(self.refused_rate, 4), "near_domain_handoff": self.near_handoff,
            "in_scope_handed_off": self.handoff_in_scope,
            "p50_ms": round(self.pct(50), 2), "p95_ms": round(self.pct(95), 2),
            "confusion": {f"{a} -> {b}": n for (a, b), n in sorted(self.confusion.items())},
        }


FOLDS = 10


def fold_of(question: str, k: int = FOLDS) -> int:
    """A question's fold: fixed by its text, whatever the order of the file."""
    return zlib.crc32(question.encode("utf-8")) % k


def by_fold(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: fold_of(r["q"]))


def holdouts(rows: list[dict], cross_validate: bool) -> list[frozenset | None]:
    """Per row: the examples the engine must not use for it (its whole fold)."""
    if not cross_validate:
        return [None] * len(rows)
    folds: dict[int, set] = {}
    for r in rows:
        folds.setdefault(fold_of(r["q"]), set()).add(r["q"])
    frozen = {k: frozenset(v) for k, v in folds.items()}
    return [frozen[fold_of(r["q"])] for r in rows]


def writer_holdouts(rows: list[dict]) -> list[frozenset]:
    """Per row: every example by the same writer ("from": the first blind writer has none), so
    each writer's questions are asked of an engine that learnt only from the others: a nearer
    picture of a new writer's questions than random folds, which share each writer's habits."""
    groups: dict[str, set] = {}
    for r in rows:
        groups.setdefault(r.get("from", "blind1"), set()).add(r["q"])
    frozen = {k: frozenset(v) for k, v in groups.items()}
    return [frozen[r.get("from", "blind1")] for r in rows]


def evaluate(engine, rows: list[dict], name: str, cross_validate: bool = False, by_writer: bool = False) -> Result:
    res = Result(name)
    if by_writer:
        rows = sorted(rows, key=lambda r: r.get("from", "blind1"))
        pairs = zip(rows, writer_holdouts(rows))
    else:
        if cross_validate:  # fold by fold, so each fold's classifier is trained once
            rows = by_fold(rows)
        pairs = zip(rows, holdouts(rows, cross_validate))
    for row, holdout in pairs:
        q, expect = row["q"], row["expect"]
        if holdout is not None and engine.semantic is not None:
            engine._classifier_for(holdout)  # trained without this fold before the clock starts
        t0 = time.perf_counter()
        reply = engine.ask(q, holdout=holdout)
        res.latencies.append((time.perf_counter() - t0) * 1000)
        got = reply.top_faq_id if reply.kind != "handoff" else "handoff"
        shown = f"{reply.kind}:{got}" if reply.kind != "handoff" else f"handoff:{reply.reason}"
        if expect == "out":
            res.out_scope += 1
            res.near += row["near"]
            if reply.kind == "answer":
                res.wrong += 1
                res.confusion[("out", f"answer {got}")] += 1
                res.misses.append((q, "out", shown))
            else:
                res.refused += 1
                if row["near"] and reply.kind == "handoff":
                    res.near_handoff += 1
            continue
        res.in_scope += 1
        ids = [c["faq_id"] for c in reply.candidates]
        if reply.kind == "answer":
            res.direct += 1
            if reply.faq_id != expect:
                res.wrong += 1
        if reply.kind != "handoff" and got == expect:
            res.top1 += 1
            continue
        if reply.kind == "handoff":
            res.handoff_in_scope += 1
        elif expect in ids:
            res.suggest_hits += 1
        label = ("answer " if reply.kind == "answer" else "") + got
        res.confusion[(expect, label)] += 1
        res.misses.append((q, expect, shown + (f" {ids}" if ids else "")))
    return res


def report(res: Result, show_texts: bool) -> str:
    lines = [
        f"== {res.name}: {res.in_scope} in scope, {res.out_scope} out of scope ({res.near} near the domain)",
        f"top-1                    {res.top1_rate:.3f} ({res.top1}/{res.in_scope})",
        f"suggest-hits (not top-1) {res.suggest_hits}; not offered {res.not_offered} "
        f"(in scope handed off {res.handoff_in_scope})",
        f"direct answers           {res.direct}/{res.in_scope}",
        f"confident wrong answers  {res.wrong}",
        f"out-of-scope refused     {res.refused_rate:.1%} ({res.refused}/{res.out_scope}); "
        f"near-domain handed off {res.near_handoff}/{res.near}",
        f"latency per question     p50 {res.pct(50):.1f} ms, p95 {res.pct(95):.1f} ms (one core)",
    ]
    if res.confusion:
        lines.append("misses (expected -> got: count)")
        for (a, b), n in sorted(res.confusion.items()):
            lines.append(f"  {a} -> {b}: {n}")
    if show_texts:
        for q, expect, got in res.misses:
            lines.append(f"  miss {expect} {got}  {q}")
    return "\n".join(lines)


def pin_one_core() -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


def build_engine(dev_rows: list[dict]):
    from clickar.help.engine import ChatEngine
    from clickar.help.semantic import get_embedder

    return ChatEngine.from_directory(
        semantic=get_embedder(), examples=[(r["q"], r["expect"]) for r in dev_rows]
    )


def raw_scores(engine, rows: list[dict]):
    """Per question (10-fold cross-validation): the lexical, passage and example scores of every topic."""
    import numpy as np

    ids = [t.id for t in engine.topics]
    lex, passage, example, out, expect, klass, out_p = [], [], [], [], [], [], []
    for row, holdout in zip(rows, holdouts(rows, True)):
        ranked = engine.rank(row["q"], holdout=holdout)
        by = {r.topic.id: r for r in ranked}
        lex.append([by[i].score for i in ids])
        passage.append([by[i].passage for i in ids])
        example.append([by[i].example for i in ids])
        out.append(ranked[0].out_sim)
        klass.append([by[i].klass for i in ids])
        out_p.append(ranked[0].out_p)
        expect.append(ids.index(row["expect"]) if row["expect"] in ids else -1)
    return (ids, *(np.asarray(x, dtype=float) for x in (lex, passage, example, out, klass, out_p)),
            np.asarray(expect, dtype=int))


def calibrate(engine, rows: list[dict]) -> None:
    """Dev half only: grid-search the fusion weights and the decision thresholds.

    Fusion weights maximise cross-validated top-1 over the in-scope dev
    questions; then the thresholds are the loosest that keep every confident
    answer right (with a safety margin), and out-of-scope questions refused.
    Prints the best settings; they are copied into engine.ChatEngine by hand.
    """
    import itertools

    import numpy as np

    import time as _t
    rows = by_fold(rows)
    t0 = _t.time()
    ids, lex, passage, example, out, klass, out_p, expect = raw_scores(engine, rows)
    print(f"scored in {_t.time() - t0:.1f} s")
    inside = expect >= 0
    best = []
    for w_lex, floor, w_p, w_e, w_c in itertools.product(
            (0.0, 0.05, 0.1, 0.2, 0.3, 0.4), (1.0, 3.0, 6.0, 10.0), (0.0, 0.25, 0.5, 1.0),
            (0.0, 0.25, 0.5, 1.0), (0.0, 0.1, 0.25, 0.5, 1.0)):
        top = np.maximum(lex.max(axis=1, keepdims=True), floor)
        fused = w_lex * lex / top + w_p * passage + w_e * example + w_c * klass
        first = fused.argmax(axis=1)
        acc = float((first[inside] == expect[inside]).mean())
        best.append((acc, w_lex, floor, w_p, w_e, w_c))
    best.sort(reverse=True)
    print("top-1 (10-fold cross-validation) by W_LEX, LEX_FLOOR, W_PASSAGE, W_EXAMPLE, W_CLASS:")
    for row in best[:12]:
        print("  %.3f  lex %.2f floor %.1f passage %.2f example %.2f class %.2f" % row)
    print("classifier alone: %.3f" % float((klass.argmax(axis=1)[inside] == expect[inside]).mean()))
    acc, w_lex, floor, w_p, w_e, w_c = best[0]
    top = np.maximum(lex.max(axis=1, keepdims=True), floor)
    fused = w_lex * lex / top + w_p * passage + w_e * example + w_c * klass
    order = np.argsort(-fused, axis=1)
    rows_idx = np.arange(len(rows))
    f1, f2 = fused[rows_idx, order[:, 0]], fused[rows_idx, order[:, 1]]
    margin = f1 - f2
    ex1 = example[rows_idx, order[:, 0]]
    near = np.maximum(ex1, passage[rows_idx, order[:, 0]])
    out_gap = out - near
    right = order[:, 0] == expect
    kl1 = klass[rows_idx, order[:, 0]]
    print("per question: expect, first, right, margin, example, out_gap, class p, out p")
    for i in np.argsort(-margin):
        print("  %-4s %-4s %d  m %.3f  ex %.3f  og %+.3f  c %.2f  o %.2f  %s" % (
            ids[expect[i]] if expect[i] >= 0 else "out", ids[order[i, 0]], right[i], margin[i], ex1[i],
            out_gap[i], kl1[i], out_p[i], rows[i]["q"][:40]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.chat_eval", description=__doc__.split("\n")[0])
    ap.add_argument("--half", choices=("dev", "locked", "locked15", "regression", "all"), default="all")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the dev and regression misses' texts")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--calibrate", action="store_true", help="dump the dev half's decision features (JSON)")
    ap.add_argument("--by-writer", action="store_true",
                    help="dev half only, each writer's questions asked without that writer's examples")
    ap.add_argument("--refresh-vectors", action="store_true", help="rewrite clickar/help/kb/vectors.npz (python -m clickar.help.vectors)")
    args = ap.parse_args(argv)

    if args.refresh_vectors:  # what `make install` does when the knowledge base changes
        from clickar.help.vectors import refresh

        print(f"wrote {refresh()}")
        return 0
    pin_one_core()
    dev = load(DEV)
    engine = build_engine(dev)
    if args.calibrate:
        calibrate(engine, dev)
        return 0
    for row in dev[:10]:  # warm-up
        engine.ask(row["q"])
    results = []
    if args.by_writer:
        res = evaluate(engine, dev, "dev half, leave-one-writer-out", by_writer=True)
        print(json.dumps(res.as_dict(), ensure_ascii=False, indent=1) if args.json else report(res, args.verbose))
        return 0
    if args.half in ("dev", "all"):
        results.append((evaluate(engine, dev, f"dev half ({FOLDS}-fold cross-validation)", cross_validate=True),
                        args.verbose))
    for half, path, name in (("locked", LOCKED, "locked test half (fourteenth blind batch)"),
                             ("locked15", LOCKED15, "locked fifteenth batch")):
        if args.half in (half, "all"):
            if path.exists():
                rows, same = unseen(load(path), dev)
                if same:
                    name += f" ({same} left out: the same text is a dev question)"
                results.append((evaluate(engine, rows, name), False))  # never texts
            else:
                print(f"(no {name} at {path})")
    if args.half in ("regression", "all"):
        results.append((evaluate(engine, load(REGRESSION), "regression set (old, self-written)"), args.verbose))
    if args.json:
        print(json.dumps([r.as_dict() for r, _ in results], ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(report(r, show) for r, show in results))
    locked = [r for r, _ in results if r.name.startswith("locked")]
    return 0 if all(r.passed for r in locked) else 1


if __name__ == "__main__":
    sys.exit(main())
