"""Rate limits, the Flask wiring (Flask-Limiter; Redis when CLICKAR_REDIS_URL is set, memory otherwise).

The rules and the counting are auth/limitpolicy.py. Here: the client address,
the per-client limits that sit on routes as decorators, one Policy per app
(bench mode: `create_app` with BENCH builds it from `bench_rules()`), and the
429 page. Per-account and per-policy-number limits are checked by the domain
code through `hit()` on the same storage, so two app processes share every counter.
"""
from __future__ import annotations

import math
import time

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from .limitpolicy import RULES, Limited, Policy, bench_rules

__all__ = ["Limited", "RULES", "allowed", "allowed_once", "client_address", "hit", "hit_all", "init_app", "limiter",
           "policy", "reset", "route_event", "rule"]


def client_address() -> str:
    """This request's client for per-client limits: the IPv4 address or the IPv6 /64
    (clickar.proxy.client_network; lockouts per network use the same function)."""
    from ..proxy import client_network

    return client_network(request.remote_addr)


limiter = Limiter(key_func=client_address, headers_enabled=False, strategy="moving-window")


def policy() -> Policy:
    """This app's policy, on the storage Flask-Limiter opened for it."""
    app = current_app._get_current_object()
    current = app.extensions.get("clickar_limits")
    if current is None or current.strategy is not limiter.limiter:
        current = Policy(app.config["RATE_LIMIT_RULES"], limiter.limiter, app.config["RATELIMIT_KEY_PREFIX"],
                         on_refuse=_count_refusal)
        app.extensions["clickar_limits"] = current
    return current


def rule(name: str) -> str:
    """The limit text of a rule in this app (route decorators read it per request)."""
    return current_app.config["RATE_LIMIT_RULES"][name]


def route_event(rule_name: str) -> tuple[str, str]:
    """This request as one event of a per-route, per-client rule: (rule, key) for hit / hit_all.

    For a route that counts its own limit instead of a decorator, so that the count can share
    a Redis round trip with the domain's limits (お客さま情報の入力 次へ: register-client with the
    identity check's). The key is the endpoint and the client, as Flask-Limiter keys a route."""
    return rule_name, f"{request.endpoint}:{client_address()}"


def _count_refusal(rule_name: str) -> None:
    from ..ops.observability import limit_hit

    limit_hit(rule_name)  # Prometheus: clickar_rate_limit_hits_total{rule}


def hit(rule_name: str, key: str) -> None:
    """Count one event; raise Limited when the rule is already used up."""
    policy().hit(rule_name, key)


def hit_all(events: list[tuple[str, str]]) -> None:
    """Count several events, (rule, key) each; raise Limited for the first rule used up."""
    policy().hit_all(events)


def allowed_once(rule_name: str, key: str) -> bool:
    """Count one event; False (nothing raised) when the rule is used up: for writes that are
    dropped rather than refused, such as a flyer scan beyond its client's share."""
    try:
        hit(rule_name, key)
    except Limited:
        return False
    return True


def allowed(rule_name: str, key: str) -> bool:
    return policy().allowed(rule_name, key)


def reset() -> None:
    """Forget this app's counters (tests that need many attempts call this).

    Only keys under this app's RATELIMIT_KEY_PREFIX go, so a shared Redis keeps
    every other process's counts.
    """
    storage = limiter.storage
    redis = getattr(storage, "storage", None)
    if redis is None or not hasattr(redis, "scan_iter"):
        limiter.reset()  # in-memory storage belongs to this process alone
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    pattern = f"{storage.key_prefix}:LIMITER/{prefix}/*"
    keys = list(redis.scan_iter(match=pattern, count=1000))
    for start in range(0, len(keys), 500):
        redis.delete(*keys[start:start + 500])


def init_app(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "clickar")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATE_LIMIT_RULES", bench_rules() if app.config.get("BENCH") else dict(RULES))
    # Flask-Limiter keeps the first app's prefix for good; each app (one per test) needs its own.
    limiter._key_prefix = app.config["RATELIMIT_KEY_PREFIX"]
    limiter.init_app(app)

    @app.errorhandler(Limited)
    def _limited(exc: Limited):
        return _too_many(exc.retry_after)

    @app.errorhandler(RateLimitExceeded)
    def _exceeded(exc: RateLimitExceeded):
        _count_refusal(f"route:{request.endpoint}")
        reset_at = getattr(exc, "reset_at", None)
        retry = max(1, math.ceil(reset_at - time.time())) if reset_at else 60
        return _too_many(retry)


def _too_many(retry_after: int):
    from ..errors import render_error

    minutes = max(1, math.ceil(retry_after / 60))
    body, status = render_error(
        429, "しばらく時間をおいてお試しください",
        f"短時間に操作が繰り返されたため、一時的にご利用を制限しています。約{minutes}分後に、もう一度お試しください。")
    return body, status, {"Retry-After": str(retry_after)}


def seconds_left(since, cooldown, current) -> int:
    """Whole seconds until a resend is allowed again (0: now); the button shows them (あと 45 秒)."""
    if since is None:
        return 0
    left = (since + cooldown - current).total_seconds()
    return max(0, int(left + 0.999))
