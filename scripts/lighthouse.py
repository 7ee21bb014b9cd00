"""`make lighthouse`: Lighthouse (npm, mobile preset) on Debian's chromium against a running Clickar.

Starts the app as `make run` does (db upgrade, demo seed, `flask run`) on a
temporary SQLite database and a free port — or uses LIGHTHOUSE_BASE_URL when
that points at an app already running — then audits the login page and the
first registration steps. Reports: reports/lighthouse/<page>.report.{html,json}
and summary.txt. Exits 1 when /mypage/login misses its targets (issue 6:
performance ≥ 95, accessibility 100, best practices 100, SEO ≥ 90).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports" / "lighthouse"
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"  # its own lock (make lighthouse)
CHROME_FLAGS = "--headless=new --no-sandbox --disable-background-networking"
PAGES = (
    ("login", "/mypage/login"),
    ("register-overview", "/mypage/register/"),
    ("register-terms", "/mypage/register/terms"),
)
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 90}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the app did not answer on {base_url}/healthz")


def start_app(workdir: Path):
    """db upgrade + demo seed + flask run, exactly the `make run` commands, on a temporary DB."""
    port = free_port()
    env = {**os.environ,
           "CLICKAR_DATABASE_URL": f"sqlite:///{workdir / 'lighthouse.db'}",
           "CLICKAR_BASE_URL": f"http://127.0.0.1:{port}"}
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["demo", "seed"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    wait_healthy(base_url)
    return server, base_url


def audit(base_url: str, name: str, path: str) -> dict:
    out = REPORTS / name
    command = [str(LIGHTHOUSE), base_url + path, "--quiet",
               "--output=html", "--output=json", f"--output-path={out}",
               f"--chrome-flags={CHROME_FLAGS}",
               "--only-categories=performance,accessibility,best-practices,seo"]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    report = json.loads(out.with_suffix(".report.json").read_text(encoding="utf-8"))
    scores = {key: round(cat["score"] * 100) for key, cat in report["categories"].items()}
    failing = sorted(
        (audit["id"] for audit in report["audits"].values()
         if audit.get("score") is not None and audit["score"] < 1
         and audit.get("scoreDisplayMode") in ("binary", "numeric")),
    )
    return {"path": path, "scores": scores, "not_perfect": failing,
            "lighthouse": report["lighthouseVersion"], "chrome": report["environment"]["hostUserAgent"]}


def main() -> int:
    if not LIGHTHOUSE.exists():
        raise SystemExit("lighthouse is not installed: run `make lighthouse` (npm ci --prefix tools/lighthouse)")
    REPORTS.mkdir(parents=True, exist_ok=True)
    server = None
    base_url = os.environ.get("LIGHTHOUSE_BASE_URL", "").rstrip("/")
    with tempfile.TemporaryDirectory(prefix="clickar-lighthouse-") as tmp:
        try:
            if not base_url:
                server, base_url = start_app(Path(tmp))
            results = [audit(base_url, name, path) for name, path in PAGES]
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
    lines = [f"Lighthouse {results[0]['lighthouse']}, mobile preset, {base_url}",
             f"{'page':28} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5}"]
    for r in results:
        s = r["scores"]
        lines.append(f"{r['path']:28} {s['performance']:>5} {s['accessibility']:>5} "
                     f"{s['best-practices']:>5} {s['seo']:>5}")
        if r["not_perfect"]:
            lines.append(f"{'':28} below 1: {', '.join(r['not_perfect'])}")
    summary = "\n".join(lines) + "\n"
    (REPORTS / "summary.txt").write_text(summary, encoding="utf-8")
    print(summary, end="")
    login = results[0]["scores"]
    missed = [f"{key} {login[key]} < {target}" for key, target in TARGETS.items() if login[key] < target]
    if missed:
        print("/mypage/login misses its targets: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
