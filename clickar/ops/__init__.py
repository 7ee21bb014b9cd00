"""Operations: /healthz, JSON logs with a request id, /metrics, retention, log masking, bench mode.

    health.py         /healthz for the load balancer
    observability.py  JSON logs, request ids, Prometheus metrics at /metrics
    retention.py      `flask --app wsgi purge` (APPI)
    masking.py        personal data out of logs and the AIチャット log
    benchmode.py      CLICKAR_BENCH=1: the bare page `make bench` measures against

Nothing here imports a feature package (registration, mypage, help, …); they may import ops.
"""
from __future__ import annotations


def init_app(app) -> None:
    from . import benchmode, health, observability

    app.register_blueprint(health.bp)
    benchmode.init_app(app)
    observability.init_app(app)  # JSON logs with a request id, /metrics (last: times everything)
