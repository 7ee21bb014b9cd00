"""gunicorn settings for Clickar: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve`).

Every value can be set from the environment, so the same file serves a laptop,
the Docker image and `make bench`:

| variable | default | meaning |
|---|---|---|
| GUNICORN_BIND | 127.0.0.1:8000 | address (the image sets 0.0.0.0:8000) |
| WEB_CONCURRENCY | 2 × cores + 1 | worker processes |
| GUNICORN_THREADS | 4 | threads per worker (gthread: keep-alive, slow phones do not hold a process) |
| GUNICORN_WORKER_CLASS | gthread | `sync` is as good behind a buffering proxy such as compose.yaml's nginx |
| GUNICORN_WORKER_CONNECTIONS | 1000 | open connections one gthread worker takes before it leaves the rest to the others |
| GUNICORN_TIMEOUT | 30 | seconds before a stuck worker is replaced |
| GUNICORN_MAX_REQUESTS | 5000 | a worker is recycled after about this many requests (0 = never) |
| GUNICORN_PRELOAD | 1 | load the app and the AIチャット model once in the master; workers share them |

The app processes keep nothing another process needs: sessions are sealed
cookies, rate limits live in Redis (CLICKAR_REDIS_URL), mail in the outbox
table. So any number of them may run behind a load balancer (compose.yaml).

Logs are JSON lines on stderr (clickar.ops.observability); gunicorn's own access
log is off because the app logs each request itself — without query strings
or tokens. Prometheus counters of all workers are summed through
PROMETHEUS_MULTIPROC_DIR (a fresh temporary directory unless set).
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile

from clickar.config import ConfigError, bind_host, check_listen

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
try:  # no CLICKAR_ENV (= development) on an address other machines reach: refuse, say why
    check_listen(bind_host(bind))
except ConfigError as exc:
    sys.exit(f"clickar: {exc}")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread workers accept while they have room, so with a few keep-alive clients (a load balancer's
# upstream pool, a load tool) one worker can hold every connection while the others idle. A cap
# near clients ÷ workers spreads them; `make bench` sets it.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Behind a load balancer, forwarded headers are read by the app (CLICKAR_TRUSTED_PROXIES), not here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
# Newer gunicorn's control socket is one path per user: several servers on a machine would share it.
control_socket_disable = True
# the app (and the AIチャット's sentence model, built in when_ready) is loaded once in the
# master and shared by the forked workers' pages; each worker builds its own small ONNX Runtime
# session in post_worker_init (the runtime is never loaded in the master); GUNICORN_PRELOAD=0
# turns this off
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Limits on what a request may be (the app has its own, smaller body limits).
limit_request_line = 4094
limit_request_fields = 100

accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clickar.ops.observability.JsonFormatter"}},
    "handlers": {"stderr": {"class": "clickar.ops.observability.StderrHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}

# Prometheus: one directory of per-process files, summed at /metrics.
_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = tempfile.mkdtemp(prefix="clickar-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir


def when_ready(server):
    if preload_app:
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # no OpenMP thread pool in the master before fork
        from clickar.help.e5_onnx import forbid_runtime_here
        from clickar.help.engine import get_engine

        forbid_runtime_here()  # ONNX Runtime's threads do not survive a fork: each worker loads its own
        get_engine()


def post_worker_init(worker):
    if preload_app:  # this worker's ONNX Runtime session, before its first chat question (~0.1 s)
        from clickar.help.semantic import warm_up

        warm_up()


def worker_exit(server, worker):
    """A worker stopping on purpose moves its last spooled flyer scans (one killed leaves them to the
    other processes: clickar/flyers/spool.py)."""
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "config"):
        try:
            from clickar.flyers.spool import for_app
            from clickar.flyers.tracking import flush_scans

            flush_scans(app)
            for_app(app).close()
        except Exception:  # noqa: BLE001 - the file stays; the next process takes it over
            server.log.exception("visit spool: not moved at worker exit")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)
