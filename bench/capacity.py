"""`python -m bench.capacity reports/loadtest/report-cap-*.json`: the capacity table of
docs/PERFORMANCE.md ("Capacity in plain words") from a series of `make loadtest FAULTS=0 TAG=…` runs,
one row per run, also written to reports/loadtest/capacity.txt.

The password steps (argon2id) are shown apart from the other steps: they cross 500 ms p95 first.
"ours" is the CPU the run's own processes used (the report's CPU meter), "busy" the whole machine's:
on a shared machine a run whose "ours" is a small part of "busy" measured the neighbours too."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ARGON2_STEPS = {"お客さま情報の入力 次へ", "本登録 パスワード", "ログイン"}  # hash, verify, verify
HEADER = ("| run | users | masters | load avg | journeys/min | argon2 steps p95 (worst) | other steps p95 (worst) "
          "| app CPU / journey | PostgreSQL / journey | machine busy, ours |\n|---|---|---|---|---|---|---|---|---|---|")


def _worst(steps: list[dict]) -> str:
    timed = [s for s in steps if s["p95_ms"] not in ("", "N/A", None)]
    if not timed:
        return "–"
    worst = max(timed, key=lambda s: float(s["p95_ms"]))
    return f"{float(worst['p95_ms']):,.0f} ms ({worst['step']})"


def row(name: str, report: dict) -> str:
    steps = [s for s in report["steps"] if s["step"] != "Aggregated"]
    cpu = report.get("cpu") or {}
    parts, per = cpu.get("parts_s", {}), cpu.get("per_journey_s") or {}
    app_per = sum(v for k, v in per.items() if k.startswith("app"))
    window = cpu.get("window_s", 0) * (cpu.get("cores") or 1)
    return (f"| `{name}` {report['when'][11:16]} | {report['users']} | {report.get('masters', 1)} "
            f"| {report['load_average'][0]:.1f} | {report['journeys']['complete_in_load_per_minute']:.0f} "
            f"| {_worst([s for s in steps if s['step'] in ARGON2_STEPS])} "
            f"| {_worst([s for s in steps if s['step'] not in ARGON2_STEPS])} "
            f"| {app_per:.2f} s | {per.get('postgresql', 0):.2f} s "
            f"| {cpu.get('machine_busy_s', 0):.0f} of {window:.0f} s, ours {sum(parts.values()):.0f} s |")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rows = []
    for path in map(Path, argv):
        report = json.loads(path.read_text(encoding="utf-8"))
        name = path.stem.removeprefix("report-")
        rows.append((report["users"], report["when"], row(name, report)))
    text = HEADER + "\n" + "\n".join(r for _, _, r in sorted(rows)) + "\n"
    out = Path(argv[0]).resolve().parent / "capacity.txt"
    out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
