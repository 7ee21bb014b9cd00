"""What tests that start servers share: an SMTP sink whose waits end on the mail's arrival,
a free port, "does anything listen there", and waiting for an app process's /healthz."""
from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email import message_from_bytes, policy


class Sink:
    """aiosmtpd handler that keeps every message; waits wake when one arrives (no polling)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
            self.lock.notify_all()
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def wait_until(self, check, timeout: float = 10.0) -> bool:
        """Wait until check(messages) holds, waking on each arrival; False if it never did."""
        with self.lock:
            return self.lock.wait_for(lambda: check(self.messages), timeout)

    def wait_for(self, to: str, subject_contains: str = "", timeout: float = 10.0, count: int = 1):
        """Mails to `to` whose subject contains the text; waits until `count` have arrived."""
        def found(messages):
            return [m for m in messages
                    if to.lower() in str(m["To"]).lower() and subject_contains in str(m["Subject"])]
        self.wait_until(lambda messages: len(found(messages)) >= count, timeout)
        with self.lock:
            return found(self.messages)

    def last_body(self, to: str, subject_contains: str = "") -> str:
        mails = self.wait_for(to, subject_contains)
        assert mails, f"no mail to {to} with subject containing {subject_contains!r}"
        return mails[-1].get_body(preferencelist=("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, default_port: int) -> bool:
    """Something listens at the URL's host and port."""
    parsed = urllib.parse.urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def wait_until_healthy(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    """Poll the process's /healthz until it answers 200 (the event is the server coming up)."""
    deadline = time.monotonic() + seconds
    while True:
        assert proc.poll() is None, f"app process on {port} exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        assert time.monotonic() < deadline, f"app process on {port} did not become healthy"
        time.sleep(0.2)
