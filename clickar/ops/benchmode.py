"""Bench mode (CLICKAR_BENCH=1, refused in production), a `create_app` configuration.

`make bench` (bench/run.py) runs the app with it: a bare page to measure every
other page against, and the rate limits raised (auth/limitpolicy.bench_rules, chosen
by auth/limits.init_app from the BENCH setting) — still counted, never reached.
"""
from __future__ import annotations

from flask import render_template


def init_app(app) -> None:
    if not app.config.get("BENCH"):
        return
    app.logger.warning("CLICKAR_BENCH=1: bench-only page /_bench/bare and raised rate limits "
                       "(never in a real deployment)")

    @app.get("/_bench/bare", endpoint="bench_bare")
    def bare():
        return render_template("bench/bare.html", title="ベンチマーク")
