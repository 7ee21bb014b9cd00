"""python -m bench.capacity: one row per capacity run, the password steps apart (issue 23)."""
from __future__ import annotations

import json

from bench import capacity


def _report(users: int, when: str, journeys: float, masters: dict[str, float]) -> dict:
    return {"when": when, "users": users, "masters": len(masters), "load_average": [4.2, 3.0, 2.0],
            "journeys": {"complete_in_load_per_minute": journeys},
            "steps": [{"step": "本登録 パスワード", "p95_ms": "1600"}, {"step": "ログイン", "p95_ms": "900"},
                      {"step": "/help/chat/api", "p95_ms": "410"}, {"step": "/r/CODE", "p95_ms": "120"},
                      {"step": "Aggregated", "p95_ms": "9999"}],
            "cpu": {"window_s": 60.0, "cores": 2, "machine_busy_s": 110.0,
                    "parts_s": {**masters, "postgresql": 3.0, "locust": 5.0},
                    "per_journey_s": {**{k: v / 40 for k, v in masters.items()}, "postgresql": 0.075}}}


def test_a_row_shows_the_password_steps_apart_and_sums_the_masters(tmp_path):
    (tmp_path / "report-cap-u14-c.json").write_text(json.dumps(_report(14, "2026-12-04T23:58:00+00:00", 49.0,
                                                                       {"app (gunicorn) master 1": 40.0,
                                                                        "app (gunicorn) master 2": 32.0})))
    (tmp_path / "report-cap-u7-a.json").write_text(json.dumps(_report(7, "2026-12-04T23:36:00+00:00", 27.0,
                                                                      {"app (gunicorn)": 48.0})))
    assert capacity.main([str(p) for p in sorted(tmp_path.glob("report-*.json"))]) == 0
    lines = (tmp_path / "capacity.txt").read_text(encoding="utf-8").splitlines()
    assert lines[2] == ("| `cap-u7-a` 23:36 | 7 | 1 | 4.2 | 27 | 1,600 ms (本登録 パスワード) | 410 ms (/help/chat/api) "
                        "| 1.20 s | 0.07 s | 110 of 120 s, ours 56 s |")
    assert lines[3].startswith("| `cap-u14-c` 23:58 | 14 | 2 | 4.2 | 49 | 1,600 ms")
    assert "| 1.80 s |" in lines[3] and "ours 80 s" in lines[3]
