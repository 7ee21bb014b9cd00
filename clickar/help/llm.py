"""Optional: an OpenAI-compatible model that rephrases the chosen topic's answer.

Off unless CLICKAR_LLM_URL is set (e.g. http://127.0.0.1:8080/v1). The chat is
complete without it: the knowledge-base answer is always shown, and the model
only adds a short summary underneath, streamed to the page as server-sent
events. It is given the chosen topic's title (as the question) and text only, never what
the person typed, and told to use nothing else; its words are shown as plain text (escaped).

No Flask here: ``stream_summary`` yields text pieces; the view wraps them in
SSE. Any failure ends the stream quietly (the answer is already on screen).
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Iterator

from .kb import Topic

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20      # one read from the model at most
DEADLINE_SECONDS = 30     # the whole stream at most: a model that trickles is cut off
MAX_LINE_BYTES = 64 * 1024
MAX_TOKENS = 300
SYSTEM_PROMPT = (
    "あなたは損害保険会社のマイページの操作案内係です。"
    "以下の「参考情報」に書かれていることだけを使い、お客さまの質問に日本語で3文以内で簡潔に答えてください。"
    "参考情報にないこと（事故・補償・保険料の金額・契約内容など）は答えず、"
    "「この内容はチャットではご案内できません。取扱代理店へお問い合わせください。」と答えてください。"
    "個人情報を尋ねたり、URLや電話番号を作ったりしないでください。"
)


class LLMUnavailable(RuntimeError):
    pass


def messages_for(question_masked: str, topics: list[Topic]) -> list[dict[str, str]]:
    reference = "\n\n".join(f"【{t.title}】\n{t.plain_answer.strip()}" for t in topics)
    return [
        {"role": "system", "content": f"{SYSTEM_PROMPT}\n\n参考情報：\n{reference}"},
        {"role": "user", "content": question_masked},
    ]


def stream_summary(base_url: str, model: str, question_masked: str, topics: list[Topic],
                   timeout: float = TIMEOUT_SECONDS, deadline: float = DEADLINE_SECONDS) -> Iterator[str]:
    """Text pieces from POST {base_url}/chat/completions with stream=true.

    Raises LLMUnavailable when the model cannot be reached, stops answering for `timeout`
    seconds, or has not finished `deadline` seconds after the request went out."""
    ends = time.monotonic() + deadline
    body = json.dumps({
        "model": model,
        "messages": messages_for(question_masked, topics),
        "stream": True,
        "temperature": 0.2,
        "max_tokens": MAX_TOKENS,
    }, ensure_ascii=False).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions", data=body, method="POST",
        headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
    try:
        response = urllib.request.urlopen(request, timeout=min(timeout, deadline))  # noqa: S310 - the operator's URL
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LLMUnavailable(str(exc)) from exc
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    timer = threading.Timer(max(0.0, ends - time.monotonic()), _cut, (sock,))
    timer.daemon = True
    timer.start()
    try:
        with response:
            while True:
                try:
                    raw = response.readline(MAX_LINE_BYTES)
                except OSError as exc:  # socket.timeout too: `timeout` seconds of silence
                    raise LLMUnavailable(_why(ends, deadline, exc)) from exc
                if not raw:
                    if time.monotonic() >= ends:
                        raise LLMUnavailable(_why(ends, deadline, None))
                    return
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    continue
                if delta:
                    yield delta
    finally:
        timer.cancel()


def _cut(sock) -> None:
    """The deadline: end the connection under the reading thread (it sees EOF or an error)."""
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _why(ends: float, deadline: float, exc: BaseException | None) -> str:
    if time.monotonic() >= ends:
        return f"no complete answer within {deadline:g} s"
    return str(exc)
