"""The old self-written regression set (tests/help/eval_questions.jsonl); latency rows for make bench.

The blind evaluation set and its dev / locked halves: `make eval-chat` (bench/chat_eval.py).

    python -m bench.eval_chat [--file FILE] [--repeat N] [--verbose] [--json]

Each line of the file is {"q": "...", "expected": "F09"} or {"expected": "handoff"}.

Printed figures
- top-1 accuracy: in-scope questions whose first-ranked topic (the answer, or
  the first suggestion) is the expected one; a handoff counts as a miss.
- direct answers: in-scope questions answered without asking back.
- wrong direct answers: a confident 'answer' with the wrong topic, including
  any out-of-scope question answered as if in scope.  Must be 0: a wrong
  answer is worse than a suggestion.
- out-of-scope refused: out-of-scope questions that got a 'handoff'.
- latency per query, p50 / p95 in ms, after a warm-up, pinned to one core.

Exit status 1 when top-1 < 0.9, any wrong direct answer, or out-of-scope
refused < 100 % (and, with --max-p95-ms, when p95 is above it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from clickar.help.engine import ChatEngine, build_engine

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "tests" / "help" / "eval_questions.jsonl"

MIN_TOP1 = 0.9


@dataclass
class Result:
    total: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0
    direct: int = 0
    wrong_direct: list[tuple[str, str, str]] = field(default_factory=list)
    refused: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # CPU time of the same runs: what the load of others does not inflate
    build_ms: float = 0.0

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def overall_accuracy(self) -> float:
        return (self.top1 + self.refused) / self.total if self.total else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.out_of_scope if self.out_of_scope else 1.0

    @property
    def direct_rate(self) -> float:
        return self.direct / self.in_scope if self.in_scope else 0.0

    def percentile(self, p: float, cpu: bool = False) -> float:
        xs = sorted(self.cpu_ms if cpu else self.latencies_ms)
        if not xs:
            return 0.0
        k = max(0, min(len(xs) - 1, round(p / 100 * len(xs) + 0.5) - 1))
        return xs[k]

    @property
    def passed(self) -> bool:
        return self.top1_accuracy >= MIN_TOP1 and not self.wrong_direct and self.refusal_rate >= 1.0

    def as_dict(self) -> dict:
        return {
            "questions": self.total,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "top1_accuracy": round(self.top1_accuracy, 4),
            "overall_accuracy": round(self.overall_accuracy, 4),
            "direct_answer_rate": round(self.direct_rate, 4),
            "wrong_direct_answers": len(self.wrong_direct),
            "out_of_scope_refused": round(self.refusal_rate, 4),
            "latency_p50_ms": round(self.percentile(50), 3),
            "latency_p95_ms": round(self.percentile(95), 3),
            "cpu_p50_ms": round(self.percentile(50, cpu=True), 3),
            "cpu_p95_ms": round(self.percentile(95, cpu=True), 3),
            "build_ms": round(self.build_ms, 1),
            "passed": self.passed,
        }


def load_questions(path: Path | str = DEFAULT_FILE) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            if not isinstance(row.get("q"), str) or not isinstance(row.get("expected"), str):
                raise ValueError(f"line {n}: needs q and expected")
            rows.append(row)
    return rows


def pin_one_core() -> None:
    """Measure on one core, as the target says (Linux only; harmless elsewhere)."""
    try:
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
    except (AttributeError, OSError):
        pass


def evaluate(
    rows: list[dict], engine: ChatEngine | None = None, repeat: int = 5
) -> Result:
    res = Result()
    if engine is None:
        t0 = time.perf_counter()
        engine = build_engine()  # as the app runs it: BM25 + the sentence model
        res.build_ms = (time.perf_counter() - t0) * 1000
    for row in rows:  # warm-up: tagger, caches
        engine.ask(row["q"])
    for row in rows:
        q, expected = row["q"], row["expected"]
        reply = None
        for _ in range(max(1, repeat)):
            t0, c0 = time.perf_counter(), time.thread_time()
            reply = engine.ask(q)
            res.latencies_ms.append((time.perf_counter() - t0) * 1000)
            res.cpu_ms.append((time.thread_time() - c0) * 1000)
        assert reply is not None
        res.total += 1
        if expected == "handoff":
            res.out_of_scope += 1
            if reply.kind == "handoff":
                res.refused += 1
            else:
                res.misses.append((q, expected, f"{reply.kind} {reply.top_faq_id}"))
            if reply.kind == "answer":
                res.wrong_direct.append((q, expected, reply.faq_id or ""))
            continue
        res.in_scope += 1
        if reply.kind == "answer":
            res.direct += 1
            if reply.faq_id != expected:
                res.wrong_direct.append((q, expected, reply.faq_id or ""))
        if reply.kind != "handoff" and reply.top_faq_id == expected:
            res.top1 += 1
        else:
            res.misses.append((q, expected, f"{reply.kind} {reply.top_faq_id}"))
    return res


def report(res: Result, verbose: bool = False) -> str:
    lines = [
        f"questions             {res.total} ({res.in_scope} in scope, {res.out_of_scope} out of scope)",
        f"top-1 accuracy        {res.top1_accuracy:.3f} ({res.top1}/{res.in_scope} in scope; "
        f"{res.overall_accuracy:.3f} over all questions)",
        f"direct answers        {res.direct_rate:.3f} ({res.direct}/{res.in_scope} answered without asking back)",
        f"wrong direct answers  {len(res.wrong_direct)}",
        f"out-of-scope refused  {res.refusal_rate:.1%} ({res.refused}/{res.out_of_scope})",
        f"latency per query     p50 {res.percentile(50):.2f} ms, p95 {res.percentile(95):.2f} ms "
        f"({len(res.latencies_ms)} runs, one core)",
        f"CPU time per query    p50 {res.percentile(50, cpu=True):.2f} ms, p95 {res.percentile(95, cpu=True):.2f} ms",
    ]
    if res.build_ms:
        lines.append(f"engine build          {res.build_ms:.0f} ms (once per process)")
    for q, expected, got in res.wrong_direct:
        lines.append(f"  WRONG  {q!r}: expected {expected}, answered {got}")
    if verbose:
        for q, expected, got in res.misses:
            lines.append(f"  miss   {q!r}: expected {expected}, got {got}")
    lines.append("PASS" if res.passed else "FAIL")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.eval_chat", description=__doc__.split("\n")[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE, help="JSONL question set")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per question")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--max-p95-ms", type=float, default=None, help="also fail when p95 latency is above this")
    args = ap.parse_args(argv)

    pin_one_core()
    res = evaluate(load_questions(args.file), repeat=args.repeat)
    if args.json:
        print(json.dumps(res.as_dict(), ensure_ascii=False))
    else:
        print(report(res, verbose=args.verbose))
    ok = res.passed and (args.max_p95_ms is None or res.percentile(95) <= args.max_p95_ms)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
