"""The rate-limit policy: the table of rules and the counting. No Flask.

`Policy` counts events against its rules on a `limits` storage through a
moving-window strategy; the Flask wiring (client address, route limits, the
429 page, one Policy per app) is auth/limits.py. Bench mode is a Policy built
with `bench_rules()`: every limit still counted, none reached.

`hit_all` pipelines the moving-window script of the `limits` library's Redis
storage (`lua_acquire_moving_window`, `prefixed_key`): internals, so
pyproject.toml pins `limits` to the major version they were read from.
"""
from __future__ import annotations

import functools
import math
import time
from typing import Callable

from limits import parse
from limits.strategies import MovingWindowRateLimiter, RateLimiter

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
    "register-client": "200 per 15 minutes",   # registration posts that hash or check a password, per route and client
    "verify-password": "10 per day",           # step-5 password tries at one 仮登録's 本登録 links (a link lives 24 h)
    "identity-client": "60 per hour",          # identity checks (次へ / 確定 / 契約追加) from one client
    "identity-policy": "10 per hour",          # identity checks naming one policy number
    "otp-client": "100 per 15 minutes",        # one-time password posts from one client
    "resend-daily": "5 per day",               # 確認メールを再送する per registration
    "otp-resend": "5 per hour",                # ワンタイムパスワードを再送する per member
    "reset-account": "3 per hour",             # reset mails to one address (silently capped)
    "reset-client": "10 per hour",             # reset requests from one client
    "email-change": "5 per day",               # mail-change confirmations per member
    "summary-client": "20 per 10 minutes",     # AIチャット model summaries streamed to one client
    "summary-token": "1 per 10 minutes",       # each summary token streams once (tokens live 5 min)
    "chat-log-client": "30 per hour",          # chat rows (unanswered questions, votes) per client
    "visit-client": "30 per hour",             # /r/CODE scans recorded per client and campaign
    "invite-client": "60 per hour",            # letter URLs /i/TOKEN opened or posted from one client
    "invite-token": "30 per hour",             # opens and posts of one letter URL (by its hash)
    "lookup-client": "600 per 10 minutes",     # 郵便番号 → 住所 and 和暦 lookups while typing, per client
}

BENCH_LIMIT = "1000000 per hour"


def bench_rules() -> dict[str, str]:
    """`make bench` (CLICKAR_BENCH=1): every rule still counted, so its cost stays in the figures."""
    return {rule: BENCH_LIMIT for rule in RULES}


class Limited(Exception):
    """Over a limit; retry_after is in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@functools.lru_cache(maxsize=64)
def parse_rule(text: str):
    return parse(text)


class Policy:
    """Counts (rule, key) events under `prefix` with `strategy`; `on_refuse(rule)` is told of each refusal."""

    def __init__(self, rules: dict[str, str], strategy: RateLimiter, prefix: str,
                 on_refuse: Callable[[str], None] | None = None):
        self.rules = dict(rules)
        self.strategy = strategy
        self.prefix = prefix
        self.on_refuse = on_refuse

    def item(self, rule: str):
        return parse_rule(self.rules[rule])

    def retry_after(self, rule: str, key: str) -> int:
        reset_at, _ = self.strategy.get_window_stats(self.item(rule), self.prefix, rule, key)
        return max(1, math.ceil(reset_at - time.time()))

    def remaining(self, rule: str, key: str) -> int:
        return self.strategy.get_window_stats(self.item(rule), self.prefix, rule, key)[1]

    def _refuse(self, rule: str, key: str):
        if self.on_refuse:
            self.on_refuse(rule)
        raise Limited(self.retry_after(rule, key))

    def hit(self, rule: str, key: str) -> None:
        """Count one event; raise Limited when the rule is already used up."""
        if not self.strategy.hit(self.item(rule), self.prefix, rule, key):
            self._refuse(rule, key)

    def hit_all(self, events: list[tuple[str, str]]) -> None:
        """Count several events, (rule, key) each; raise Limited for the first rule used up.

        Every event is counted, even when an earlier one is refused, as separate hits would
        not do; that only ever counts more (see acquire_each).
        """
        for (rule, key), ok in zip(events, self.acquire_each(events)):
            if not ok:
                self._refuse(rule, key)

    def acquire_each(self, events: list[tuple[str, str]]) -> list[bool]:
        """Count several events, (rule, key) each; for each, whether it was within its rule.

        On Redis this is one round trip (a pipeline of the moving-window script the limits
        library registered) instead of one per event: the identity check counts its client
        and every policy number on each 次へ; the flyer scans' spool counts a whole batch.
        """
        storage = self.strategy.storage
        sha = getattr(getattr(storage, "lua_acquire_moving_window", None), "sha", None)
        if len(events) > 1 and sha and isinstance(self.strategy, MovingWindowRateLimiter):
            pipe = storage.get_connection().pipeline(transaction=False)
            stamp = time.time()
            for rule, key in events:
                item = self.item(rule)
                pipe.evalsha(sha, 1, storage.prefixed_key(item.key_for(self.prefix, rule, key)),
                             stamp, item.amount, item.get_expiry(), 1)
            try:
                return [bool(ok) for ok in pipe.execute()]
            except NoScriptError:  # Redis restarted and forgot the script: one by one below reloads it
                pass
        return [bool(self.strategy.hit(self.item(rule), self.prefix, rule, key)) for rule, key in events]

    def allowed(self, rule: str, key: str) -> bool:
        return self.strategy.test(self.item(rule), self.prefix, rule, key)
