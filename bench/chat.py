"""AIチャット latency for `make bench`: `python -m bench.chat`.

`bench(app=None)` returns rows {"name", "value", "unit"}:

- the engine alone, per query, p50/p95 over the evaluation set
  (tests/help/eval_questions.jsonl, five timed runs each after a warm-up),
  pinned to one core — the figure the issue bounds (p95 < 20 ms);
- the CPU time of the same runs (the thread's own time): on a shared machine
  the wall time also counts the time other processes held the core, the CPU
  time does not, so it is the figure to compare between runs;
- GET /help/chat/api through the Flask test client, per request, p50/p95
  (routing, the engine, JSON, and the masked log write for unanswered
  questions).

Without an app, a throw-away one runs on a temporary SQLite database; with
one, its database receives the log rows of the unanswered questions asked.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from . import eval_chat as evaluate

ENGINE_P95_LIMIT_MS = 20.0


def _percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return 0.0
    k = max(0, min(len(xs) - 1, round(p / 100 * len(xs) + 0.5) - 1))
    return xs[k]


def _one_core():
    """Pin to one core for the measurement; returns what to restore."""
    try:
        before = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        return None
    evaluate.pin_one_core()
    return before


def _restore(before) -> None:
    if before:
        try:
            os.sched_setaffinity(0, before)
        except OSError:
            pass


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _throwaway_app(folder: Path):
    from clickar import create_app
    from clickar.db import database, upgrade

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "TESTING": True})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    return app


def api_latencies(app, questions: list[str], repeat: int = 3) -> list[float]:
    client = app.test_client()
    request_log = logging.getLogger("clickar")
    level = request_log.level
    request_log.setLevel(logging.WARNING)  # one log line per request is not what we measure here
    try:
        for q in questions[:20]:  # warm-up: templates, tagger, connections
            client.get("/help/chat/api", query_string={"q": q})
        out = []
        for q in questions:
            for _ in range(repeat):
                t0 = time.perf_counter()
                response = client.get("/help/chat/api", query_string={"q": q})
                out.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"/help/chat/api answered {response.status_code} for {q!r}")
    finally:
        request_log.setLevel(level)
    return out


def bench(app=None) -> list[dict]:
    rows_in = evaluate.load_questions()
    questions = [r["q"] for r in rows_in]
    before = _one_core()
    try:
        from clickar.help.engine import build_engine

        rss0 = _rss_mb()
        t0 = time.perf_counter()
        engine = build_engine()
        build_s = time.perf_counter() - t0
        for q in questions[:20]:
            engine.ask(q)
        rss_added = _rss_mb() - rss0
        result = evaluate.evaluate(rows_in, engine=engine, repeat=5)
        with tempfile.TemporaryDirectory() as folder:
            target = app or _throwaway_app(Path(folder))
            api = api_latencies(target, questions)
    finally:
        _restore(before)
    return [
        {"name": "chat engine latency p50 (per query, one core)", "value": round(result.percentile(50), 3), "unit": "ms"},
        {"name": "chat engine latency p95 (per query, one core)", "value": round(result.percentile(95), 3), "unit": "ms"},
        {"name": "chat engine CPU time p50 (per query, one core)", "value": round(result.percentile(50, cpu=True), 3), "unit": "ms"},
        {"name": "chat engine CPU time p95 (per query, one core)", "value": round(result.percentile(95, cpu=True), 3), "unit": "ms"},
        {"name": "chat API request latency p50 (GET /help/chat/api, test client)", "value": round(_percentile(api, 50), 3), "unit": "ms"},
        {"name": "chat API request latency p95 (GET /help/chat/api, test client)", "value": round(_percentile(api, 95), 3), "unit": "ms"},
        {"name": "chat engine memory added per process (peak RSS)", "value": round(rss_added, 1), "unit": "MB"},
        {"name": "chat engine build (once per process)", "value": round(build_s, 2), "unit": "s"},
        {"name": "chat top-1 accuracy (old regression set)", "value": round(result.top1_accuracy, 4), "unit": "ratio"},
        {"name": "chat questions timed", "value": len(result.latencies_ms), "unit": "runs"},
    ]


def main() -> int:
    os.environ.setdefault("CLICKAR_ENV", "testing")
    rows = bench()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    p95 = next(r["value"] for r in rows if r["name"].startswith("chat engine latency p95"))
    return 0 if p95 < ENGINE_P95_LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
