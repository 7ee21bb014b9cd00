"""Rate limits (Flask-Limiter; Redis when CLICKAR_REDIS_URL is set, memory otherwise).

Per-client limits sit on the routes as decorators. Per-account and
per-policy-number limits are checked by the domain code through `hit()` on
the same storage, so two app processes share every counter.
Limits are the production ones in every environment.
"""
from __future__ import annotations

import functools
import math
import time

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from limits import parse
from limits.strategies import MovingWindowRateLimiter

try:
    from redis.exceptions import NoScriptError
except ImportError:  # redis is an extra: without it the storage is memory and hit_all never pipelines
    class NoScriptError(Exception):
        pass

# Rule name → limit. Generous enough that a person trying a few times is never blocked.
RULES = {
    # Per-client limits are a coarse backstop: a company's employees often share one address.
    "login-client": "100 per 15 minutes",      # login posts from one client
    "login-account": "20 per hour",            # login posts for one mail address from one network (or trusted device)
    "reauth-member": "10 per hour",            # current-password re-checks (退会, password, mail, authenticator)
    "lock-notice": "3 per day",                # lockout notice mails to one account (many networks: not one each)
    "identity-client": "60 per hour",          # identity checks (次へ / 確定 / 契約追加) from one client
    "identity-policy": "10 per hour",          # identity checks naming one policy number
    "otp-client": "100 per 15 minutes",        # one-time password posts from one client
    "resend-daily": "5 per day",               # 確認メールを再送する per registration
    "reset-account": "3 per hour",             # reset mails to one address (silently capped)
    "reset-client": "10 per hour",             # reset requests from one client
    "email-change": "5 per day",               # mail-change confirmations per member
    "summary-client": "20 per 10 minutes",     # AIチャット model summaries streamed to one client
    "summary-token": "1 per 10 minutes",       # each summary token streams once (tokens live 5 min)
    "chat-log-client": "30 per hour",          # chat rows (unanswered questions, votes) per client
    "visit-client": "30 per hour",             # /r/CODE scans recorded per client and campaign
}


def client_address() -> str:
    """This request's client for per-client limits: the IPv4 address or the IPv6 /64
    (clickar.proxy.client_network; lockouts per network use the same function)."""
    from ..proxy import client_network

    return client_network(request.remote_addr)


limiter = Limiter(key_func=client_address, headers_enabled=False, strategy="moving-window")


class Limited(Exception):
    """Over a limit; retry_after is in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@functools.lru_cache(maxsize=64)
def _parse(text: str):
    return parse(text)


def _item(rule: str):
    return _parse(RULES[rule])  # keyed by the text: a changed rule is parsed afresh


def _refuse(rule: str, key: str):
    from ..observability import limit_hit

    limit_hit(rule)  # Prometheus: clickar_rate_limit_hits_total{rule}
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    reset_at, _ = limiter.limiter.get_window_stats(_item(rule), prefix, rule, key)
    raise Limited(max(1, math.ceil(reset_at - time.time())))


def hit(rule: str, key: str) -> None:
    """Count one event; raise Limited when the rule is already used up."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    if not limiter.limiter.hit(_item(rule), prefix, rule, key):
        _refuse(rule, key)


def hit_all(events: list[tuple[str, str]]) -> None:
    """Count several events, (rule, key) each; raise Limited for the first rule used up.

    On Redis this is one round trip (a pipeline of the moving-window script the limits
    library registered) instead of one per event: the identity check counts its client
    and every policy number on each 次へ. Every event is counted, even when an earlier
    one is refused, as separate hits would not do; that only ever counts more.
    """
    storage = limiter.storage
    sha = getattr(getattr(storage, "lua_acquire_moving_window", None), "sha", None)
    if len(events) > 1 and sha and isinstance(limiter.limiter, MovingWindowRateLimiter):
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
        pipe = storage.get_connection().pipeline(transaction=False)
        stamp = time.time()
        for rule, key in events:
            item = _item(rule)
            pipe.evalsha(sha, 1, storage.prefixed_key(item.key_for(prefix, rule, key)),
                         stamp, item.amount, item.get_expiry(), 1)
        try:
            acquired = pipe.execute()
        except NoScriptError:  # Redis restarted and forgot the script: one by one below reloads it
            pass
        else:
            for (rule, key), ok in zip(events, acquired):
                if not ok:
                    _refuse(rule, key)
            return
    for rule, key in events:
        hit(rule, key)


def allowed_once(rule: str, key: str) -> bool:
    """Count one event; False (nothing raised) when the rule is used up: for writes that are
    dropped rather than refused, such as a flyer scan beyond its client's share."""
    try:
        hit(rule, key)
    except Limited:
        return False
    return True


def allowed(rule: str, key: str) -> bool:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return limiter.limiter.test(_item(rule), prefix, rule, key)


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
    # Flask-Limiter keeps the first app's prefix for good; each app (one per test) needs its own.
    limiter._key_prefix = app.config["RATELIMIT_KEY_PREFIX"]
    limiter.init_app(app)

    @app.errorhandler(Limited)
    def _limited(exc: Limited):
        return _too_many(exc.retry_after)

    @app.errorhandler(RateLimitExceeded)
    def _exceeded(exc: RateLimitExceeded):
        from ..observability import limit_hit

        limit_hit(f"route:{request.endpoint}")  # Prometheus: clickar_rate_limit_hits_total{rule}
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
