"""The optional model (CLICKAR_LLM_URL): off by default; when on, a short summary of the chosen
topic is streamed as server-sent events, from the masked question and that topic only."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HX_LOG = {"HX-Request": "true", "HX-Target": "chat-log"}
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
SUMMARY = re.compile(r'data-chat-summary="([^"]+)"')


class FakeModel(BaseHTTPRequestHandler):
    """An OpenAI-compatible /v1/chat/completions that streams three pieces."""

    received: list[dict] = []
    pieces = ["ログイン画面の", "「パスワードをお忘れの方」から", "再設定できます。"]

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        self.received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in self.pieces:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def model():
    FakeModel.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def ask(client, question):
    csrf = CSRF.search(client.get("/help/chat").get_data(as_text=True)).group(1)
    return client.post("/help/chat", data={"q": question, "csrf_token": csrf},
                       headers=HX_LOG).get_data(as_text=True)


def test_without_a_model_there_is_no_summary(client):
    assert "data-chat-summary" not in ask(client, "パスワード忘れた")
    assert client.get("/help/chat/summary?t=anything").status_code == 404


def test_with_a_model_the_answer_gets_a_streamed_summary_from_that_topic_only(app, client, model):
    app.config.update(LLM_URL=model, LLM_MODEL="tiny-ja")
    body = ask(client, "パスワード忘れた taro@example.jp")
    url = SUMMARY.search(body).group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    stream = response.get_data(as_text=True)
    pieces = [json.loads(line[5:]) for line in stream.splitlines() if line.startswith("data: \"")]
    assert "".join(pieces) == "".join(FakeModel.pieces)
    assert stream.rstrip().endswith("event: done\ndata:")
    [sent] = FakeModel.received
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["model"] == "tiny-ja" and sent["body"]["stream"] is True
    system, user = sent["body"]["messages"]
    assert user == {"role": "user", "content": "パスワード忘れた ［メールアドレス］"}  # masked
    assert "【パスワードを忘れた】" in system["content"]
    assert "【仮登録メールが届かない】" not in system["content"]  # the chosen topic only


def test_suggestions_and_handoffs_get_no_summary(app, client, model):
    app.config.update(LLM_URL=model)
    assert "data-chat-summary" not in ask(client, "メールが来ない")
    assert "data-chat-summary" not in ask(client, "事故った")


def test_a_model_that_is_down_ends_the_stream_quietly(app, client):
    app.config.update(LLM_URL="http://127.0.0.1:9/v1")
    url = SUMMARY.search(ask(client, "パスワード忘れた")).group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200
    assert "event: error" in response.get_data(as_text=True)


def test_a_summary_token_that_is_not_ours_is_not_found(app, client, model):
    app.config.update(LLM_URL=model)
    assert client.get("/help/chat/summary?t=forged").status_code == 404
    assert FakeModel.received == []
