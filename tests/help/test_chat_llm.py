"""The optional model (CLICKAR_LLM_URL): off by default; when on, a short summary of the chosen
topic is streamed as server-sent events, from that topic only (nothing the person typed)."""
from __future__ import annotations

import json
import re
import time
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
    assert user == {"role": "user", "content": "パスワードを忘れた"}  # the topic's title, nothing typed
    assert "【パスワードを忘れた】" in system["content"]
    assert "【仮登録メールが届かない】" not in system["content"]  # the chosen topic only


def test_no_personal_data_typed_into_the_question_reaches_the_model(app, client, model):
    """Review finding R5 (issue 18): masking catches mail, phone and policy numbers and a name
    before さん, not a bare name, a birth date, a postal code or an address, and the masked
    question went to the model (possibly another company's service). Now the model is given
    the chosen topic only, its title standing for the question."""
    app.config.update(LLM_URL=model)
    body = ask(client, "仮登録メールが届きません 1970年4月1日生まれ")  # answered directly: it gets a summary
    url = SUMMARY.search(body).group(1).replace("&amp;", "&")
    client.get(url).get_data()
    [sent] = FakeModel.received
    everything = json.dumps(sent["body"], ensure_ascii=False)
    assert "1970" not in everything  # a birth date (masked since issue 20; the model gets no text anyway)
    system, user = sent["body"]["messages"]
    assert user == {"role": "user", "content": "仮登録メールが届かない"}  # the topic's title


def test_suggestions_and_handoffs_get_no_summary(app, client, model):
    app.config.update(LLM_URL=model)
    assert "data-chat-summary" not in ask(client, "メール届かない")
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


# ------------------------------------------------------------ limits (issue 18 #9)
# A real local HTTP server stands in for the OpenAI-compatible API; it can hold a stream open
# until the test lets it go, or trickle a piece every 0.2 s for a minute.

class SlowModel(BaseHTTPRequestHandler):
    mode = "hold"                 # "hold": one piece, then wait for `release`; "trickle"
    release = threading.Event()
    arrived = threading.Semaphore(0)
    sent = 0

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {"choices": [{"index": 0, "delta": {"content": "…"}}]}
        line = f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()
        try:
            self.wfile.write(line)
            self.wfile.flush()
            SlowModel.arrived.release()
            if self.mode == "hold":
                SlowModel.release.wait(30)
            else:
                for _ in range(300):  # a minute of trickle: more than any deadline
                    time.sleep(0.2)
                    self.wfile.write(line)
                    self.wfile.flush()
                    SlowModel.sent += 1
            self.wfile.write(b"data: [DONE]\n\n")
        except OSError:
            pass  # the app hung up on us: what the deadline is for

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_model():
    SlowModel.release = threading.Event()
    SlowModel.arrived = threading.Semaphore(0)
    SlowModel.sent = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowModel)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    SlowModel.release.set()
    server.shutdown()


def summary_url(client) -> str:
    return SUMMARY.search(ask(client, "パスワード忘れた")).group(1).replace("&amp;", "&")


def test_a_summary_token_streams_once(app, client, model):
    """On main a token could be replayed for its 300 s, each time another model call."""
    app.config.update(LLM_URL=model)
    url = summary_url(client)
    assert "event: done" in client.get(url).get_data(as_text=True)
    assert client.get(url).status_code == 404
    assert len(FakeModel.received) == 1


def test_one_client_gets_a_limited_number_of_summaries(app, client, model):
    from clickar.auth import limits
    from clickar.help import chat

    app.config.update(LLM_URL=model)
    allowed = int(limits.RULES["summary-client"].split()[0])
    with app.test_request_context():
        exchange = chat.ask("パスワード忘れた")
        tokens = [chat.summary_token(exchange, [app.secret_key]) for _ in range(allowed + 1)]
    statuses = [client.get("/help/chat/summary", query_string={"t": t}).status_code for t in tokens]
    assert statuses == [200] * allowed + [429]
    other = client.get("/help/chat/summary", query_string={"t": tokens[-1]},
                       environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert other.status_code == 200  # another network is not held back


def test_streams_per_process_are_capped_and_the_slot_comes_back(app, slow_model):
    """On main two dozen held streams took every worker thread; here the third is turned away."""
    app.config.update(LLM_URL=slow_model, LLM_MAX_STREAMS=2)
    phones = [app.test_client() for _ in range(3)]
    urls = [summary_url(phone) for phone in phones]
    bodies = {}

    def read(n):
        bodies[n] = phones[n].get(urls[n]).get_data(as_text=True)

    held = [threading.Thread(target=read, args=(n,)) for n in (0, 1)]
    for thread in held:
        thread.start()
    for _ in held:
        assert SlowModel.arrived.acquire(timeout=10)  # both streams are open at the model
    turned_away = phones[2].get(urls[2])
    assert turned_away.status_code == 503 and turned_away.headers["Retry-After"]
    SlowModel.release.set()
    for thread in held:
        thread.join(10)
    assert all("event: done" in bodies[n] for n in (0, 1))
    again = app.test_client()
    assert "event: done" in again.get(summary_url(again)).get_data(as_text=True)  # slots returned


def test_a_stream_ends_at_its_deadline_however_slowly_the_model_talks(app, client, slow_model):
    """On main a model that kept trickling held the stream (and its thread) for the whole minute."""
    SlowModel.mode = "trickle"
    try:
        app.config.update(LLM_URL=slow_model, LLM_DEADLINE_SECONDS=1)
        stream = client.get(summary_url(client)).get_data(as_text=True)
    finally:
        SlowModel.mode = "hold"
    assert stream.rstrip().endswith("event: error\ndata:")
    assert SlowModel.sent < 100  # cut off long before the model's minute was over
