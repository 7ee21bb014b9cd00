"""Limits share state across two app processes through Redis."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from servers import answers, free_port, wait_until_healthy

REDIS_URL = os.environ.get("CLICKAR_REDIS_URL")

SERVER = """
import sys
from werkzeug.serving import make_server
from clickar import create_app
from clickar.db import database, upgrade
app = create_app({"RATELIMIT_KEY_PREFIX": sys.argv[2]})
if sys.argv[1] == "migrate":
    with app.app_context():
        database.connect(reuse_if_open=True); upgrade(); database.close()
    raise SystemExit(0)
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(port, path, cookie="", data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), err.headers


@pytest.mark.skipif(not REDIS_URL, reason="CLICKAR_REDIS_URL is not set (.ci/run sets it when Redis answers)")
def test_login_limit_counts_across_two_app_processes(tmp_path):
    if not answers(REDIS_URL, 6379):
        pytest.skip(f"Redis at {REDIS_URL} does not answer")
    env = dict(os.environ, CLICKAR_ENV="testing", CLICKAR_SECRET_KEY="shared-secret-" + "x" * 32,
               CLICKAR_DATABASE_URL=f"sqlite:///{tmp_path / 'shared.db'}", CLICKAR_REDIS_URL=REDIS_URL)
    env.pop("CLICKAR_SMTP_URL", None)
    prefix = f"two-{uuid.uuid4().hex}"
    ports = [free_port(), free_port()]
    subprocess.run([sys.executable, "-c", SERVER, "migrate", prefix], env=env, check=True, timeout=120)
    procs = [subprocess.Popen([sys.executable, "-c", SERVER, str(p), prefix], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    try:
        for port, proc in zip(ports, procs):
            wait_until_healthy(port, proc)
        status, page, headers = request(ports[0], "/mypage/login")
        cookie = headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        statuses = []
        for i in range(21):
            status, _, _ = request(ports[i % 2], "/mypage/login", cookie,
                                   {"csrf_token": token, "email": "target@example.jp", "password": f"Guess{i:05d}"})
            statuses.append(status)
        assert statuses[:20] == [422] * 20
        assert statuses[20] == 429
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


@pytest.mark.skipif(not REDIS_URL, reason="CLICKAR_REDIS_URL is not set (.ci/run sets it when Redis answers)")
def test_resetting_one_apps_limits_leaves_other_processes_counts_alone(tmp_path):
    if not answers(REDIS_URL, 6379):
        pytest.skip(f"Redis at {REDIS_URL} does not answer")
    from clickar import create_app
    from clickar.auth import limits

    def app_with(prefix):
        return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "REDIS_URL": REDIS_URL,
                           "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix})

    mine, theirs = f"mine-{uuid.uuid4().hex}", f"theirs-{uuid.uuid4().hex}"
    app = app_with(theirs)
    with app.test_request_context():
        for _ in range(3):
            limits.hit("reset-account", "victim")
    app = app_with(mine)
    with app.test_request_context():
        limits.hit("reset-account", "victim")
        limits.reset()
    app = app_with(theirs)
    with app.test_request_context():
        assert not limits.allowed("reset-account", "victim"), "another process's counts survived"


@pytest.mark.parametrize("storage", ["redis", "memory"])
def test_one_identity_check_counts_the_client_and_every_policy_number(tmp_path, storage):
    """次へ with two contracts: both numbers and the client are counted (Redis: in one round
    trip); the 11th check naming the same number is refused with the time left, and the
    Redis storage's scripts going missing (a restarted Redis) loses no count."""
    if storage == "redis" and not (REDIS_URL and answers(REDIS_URL, 6379)):
        pytest.skip("CLICKAR_REDIS_URL is not set or Redis does not answer (.ci/run sets it when it does)")
    from clickar import create_app
    from clickar.auth import limits

    uri = REDIS_URL if storage == "redis" else "memory://"
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "REDIS_URL": uri if storage == "redis" else None,
                      "RATELIMIT_STORAGE_URI": uri, "RATELIMIT_KEY_PREFIX": f"many-{uuid.uuid4().hex}"})
    events = [("identity-client", "198.51.100.7"), ("identity-policy", "SJ24000101"),
              ("identity-policy", "SJ24000102")]
    with app.test_request_context():
        for i in range(10):
            if storage == "redis" and i == 5:
                limits.limiter.storage.get_connection().script_flush()
            limits.hit_all(events)
        for rule, key in events:
            remaining = limits.policy().remaining(rule, key)
            assert (rule, remaining) == (rule, (60 if rule == "identity-client" else 10) - 10)
        with pytest.raises(limits.Limited) as refused:
            limits.hit_all(events)
        assert 0 < refused.value.retry_after <= 3600
        assert limits.allowed("identity-client", "198.51.100.7")
        assert not limits.allowed("identity-policy", "SJ24000102")
