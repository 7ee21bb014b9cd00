"""Virtual users of `make loadtest` (issue 23), run by Locust in its own process.

First slice: people who scan the flyer (/r/CODE, each from an address of its own, so every
scan is one the funnel must count) and people who only open the login page. Every scan the
client saw answered (302) is written to LOADTEST_SCANS, one line each, for the audit.
"""
from __future__ import annotations

import itertools
import os

import gevent
from locust import HttpUser, between, task

CODE = os.environ.get("LOADTEST_CAMPAIGN", "")
SCANS = os.environ.get("LOADTEST_SCANS", os.devnull)
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")
_numbers = itertools.count(1)
_scans = open(SCANS, "a", buffering=1, encoding="utf-8")  # one line per scan, flushed at once


def _address() -> str:
    """A phone's address of its own (10.pid.n): the app trusts one proxy in the load test."""
    n = next(_numbers)
    return f"10.{os.getpid() % 250}.{n // 250 % 250}.{n % 250 + 1}"


class Scanner(HttpUser):
    """Scans the flyer. After a 503 (メンテナンス中) or a broken connection (a fault window) the
    person taps again a moment later, up to three times: only the last failure is an error.
    LOADTEST_SCANS gets "ok ADDRESS" per answered scan and "unanswered ADDRESS" per attempt whose
    connection broke (the server may have counted it before it died)."""
    weight = 3
    wait_time = between(0.2, 1.0)

    @task
    def scan(self):
        address = _address()
        headers = {"X-Forwarded-For": address, "User-Agent": PHONE}
        for attempt in (1, 2, 3):
            with self.client.get(f"/r/{CODE}", headers=headers, allow_redirects=False,
                                 name="/r/CODE", catch_response=True) as response:
                if response.status_code == 302:
                    response.success()
                    _scans.write(f"ok {address}\n")
                    return
                if response.status_code == 0:
                    _scans.write(f"unanswered {address}\n")
                if response.status_code == 503 and "メンテナンス中" in response.text and attempt == 3:
                    response.success()  # a fault window said so plainly: allowed (issue 23)
                    _scans.write(f"maintenance {address}\n")
                    return
                if response.status_code in (0, 503) and attempt < 3:
                    response.success()  # retried below, as a person would tap again
                else:
                    response.failure(f"HTTP {response.status_code}")
                    return
            gevent.sleep(attempt)  # the person's pause before tapping again


class LoginOnly(HttpUser):
    """Opens the login page from the flyer's link and goes no further."""
    weight = 1
    wait_time = between(0.5, 2.0)

    @task
    def login_page(self):
        for attempt in (1, 2):  # a connection broken by a fault: the person reloads once
            with self.client.get("/mypage/login", headers={"User-Agent": PHONE}, name="/mypage/login",
                                 catch_response=True) as response:
                if response.status_code == 200 and "ログイン" in response.text:
                    response.success()
                    return
                if response.status_code in (0, 503) and attempt == 1:
                    response.success()
                    continue
                response.failure(f"HTTP {response.status_code}")
