"""Helpers for the production tests: HTTP with a cookie jar, app processes, reachability."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
from servers import Sink, answers, free_port, wait_until_healthy  # noqa: F401 (shared with the other tests)

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: a cookie jar and the CSRF token of the last page, over plain HTTP."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.token = ""
        self._opener = urllib.request.build_opener(_NoRedirect)

    def request(self, port: int, path: str, data: dict | None = None, headers: dict | None = None):
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.token, **data}).encode()
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                     headers={"Cookie": cookie, **(headers or {})})
        try:
            with self._opener.open(req, timeout=30) as response:
                status, text, reply = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as err:
            status, text, reply = err.code, err.read().decode(), err.headers
        for header in reply.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        match = CSRF.search(text)
        if match:
            self.token = match.group(1)
        return status, text, reply

    def get(self, port, path, **kw):
        return self.request(port, path, **kw)

    def post(self, port, path, data=None, **kw):
        return self.request(port, path, data=data or {}, **kw)


def start_gunicorn(port: int, env: dict, log_path: Path) -> subprocess.Popen:
    """One app process: gunicorn with the project's gunicorn.conf.py, one worker."""
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}
    log = open(log_path, "wb")
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


def base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env
