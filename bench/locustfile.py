"""Virtual users of `make loadtest` (issue 23), run by Locust in its own process.

- Journey: the flyer's whole path for one person whose contract was imported before the run:
  scan /r/CODE → 会員規定 → お客さま情報の入力 → 確認 → the 仮登録 mail from the sink → 本登録 →
  logout → login → the ワンタイムパスワード mail → My Page top → 更新のお手続き to 確定 (受付番号).
- Scanner: scans the flyer and goes no further (most people on the day).
- LoginOnly: opens the login page. Chat: asks the AIチャット one question (GET /help/chat/api).

Every person speaks from an address of its own (X-Forwarded-For; the app trusts one proxy in the
load test), in a /24 of its own: a new phone for each journey and for each Scanner's scan, so
per-client rate limits meet one phone each and the audit can check each scan (the funnel keeps a
keyed hash of the /24: a scan's network is what its visit row carries). The load generator is the proxy: it speaks http to gunicorn and says
X-Forwarded-Proto: https, so the session cookie (__Host-, Secure) is kept as a phone keeps it.

Files for the audit (paths from the environment):
  LOADTEST_SCANS     "ok|refused|unanswered SCAN ADDRESS" per scan attempt (302 / 503 / broken);
                     SCAN is the scan's own id, the same for the taps of one scan
  LOADTEST_JOURNEYS  one JSON line per journey: complete (email, policy, receipt) or where it stopped
  LOADTEST_EVENTS    one JSON line per retry or failure: when, step, kind (503, broken, HTTP 4xx…),
                     and in a journey who (its email) and policy: the audit allows a mail-writing
                     step's mail once per tap
  LOADTEST_MAILDIR   read here: the sink writes each delivered mail to <recipient>.jsonl
  LOADTEST_HOSTS     base URLs of the app's gunicorn masters, comma-separated; with more than one,
                     each request goes to the next (a load balancer with no stickiness: a journey's
                     session, CSRF token, rate limits and mail must hold across masters)
"""
from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, task
from locust.exception import StopUser

from bench.people import CHOSEN, contract_row, policy_number, renewal_open, typed_identity

CODE = os.environ.get("LOADTEST_CAMPAIGN", "")
PEOPLE = int(os.environ.get("LOADTEST_PEOPLE", "0"))
MAILDIR = Path(os.environ.get("LOADTEST_MAILDIR", os.devnull))
# covers the sink's outage + worker backoff, and ends before Locust's --stop-timeout (the harness
# sets it below STOP_TIMEOUT_S): a journey waiting for a mail that never comes says so itself
MAIL_WAIT = float(os.environ.get("LOADTEST_MAIL_WAIT", "100"))
PASSWORD = "Clickar2026"
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
# The used link's page, when the tap whose answer a fault lost had already completed 本登録
ALREADY_REGISTERED = (404, "本登録がお済みの方はログインしてください")
RECEIPT = re.compile(r'id="receipt-number">(R\d{6}-[A-Z0-9]{6})<')
TITLE = re.compile(r'<h1 class="page__title"[^>]*>(.*?)</h1>', re.S)
PREMIUM = re.compile(r'id="premium" data-premium="(\d+)">([\d,]+)円<')  # what it prices, what it shows
CARD = re.compile(r'<li class="card" id="contract-([^"]+)">(.*?)</li>', re.S)
WRONG_CODE = "ワンタイムパスワードが正しくありません。"
QUESTIONS = ["仮登録メールが届きません", "パスワードを忘れました", "更新の手続きはいつまでですか",
             "ワンタイムパスワードとは", "登録に必要なものは"]
HOSTS = [h.rstrip("/") for h in os.environ.get("LOADTEST_HOSTS", "").split(",") if h]
_hosts = itertools.cycle(HOSTS or [""])
_numbers = itertools.count(1)
_people = itertools.count(0)
_scan_ids = itertools.count(1)


def _lines(env: str):
    return open(os.environ.get(env, os.devnull), "a", buffering=1, encoding="utf-8")  # flushed per line


_scans, _journeys, _events = _lines("LOADTEST_SCANS"), _lines("LOADTEST_JOURNEYS"), _lines("LOADTEST_EVENTS")


def _address() -> str:
    """A phone's address of its own, in a /24 of its own (the funnel keeps a keyed hash of the
    /24, so the audit can check each scan). One Locust process makes them all, so the counter
    alone keeps them apart (62,500 of them)."""
    n = next(_numbers)
    return f"10.{n // 250 % 250}.{n % 250}.1"


def _url(path: str) -> str:
    """The path on the next master in turn (a Location the app made absolute loses its host first)."""
    path = re.sub(r"^https?://[^/]+", "", path)
    return next(_hosts) + path


def _event(step: str, kind: str, final: bool, user: "Phone | None" = None):
    record = {"at": time.time(), "step": step, "kind": kind, "final": final}
    if user is not None and user.who:
        record.update(who=user.who, policy=user.policy)
    _events.write(json.dumps(record, ensure_ascii=False) + "\n")


# A tap with no answer for this long is a person staring at a spinner: the audit reports every one,
# retried or not (gunicorn's own timeout is GUNICORN_TIMEOUT; a queue behind it would not show there).
TIMEOUT_S = float(os.environ.get("LOADTEST_REQUEST_TIMEOUT", "30"))
TIMEOUT = f"timeout: no answer in {TIMEOUT_S:.0f} s"


def _kind(status: int, response=None) -> str:
    if status == 0 and response is not None and "Timeout" in type(getattr(response, "error", None)).__name__:
        return TIMEOUT
    return "broken connection" if status == 0 else f"HTTP {status}"


class JourneyStopped(Exception):
    pass


DONE_BEFORE = "done by an earlier tap"  # loadtest.DONE_BEFORE
TRIES = 4  # taps before the person gives up: pauses of 1, 2 and 3 s outlast Redis's 5 s restart
MAINTENANCE = "HTTP 503 メンテナンス中"


def _settle(response, name: str, attempt: int, user: "Phone | None" = None):
    """An unexpected answer: tap again later (503 メンテナンス中, broken connection) or stop.
    A 503 メンテナンス中 at the last tap is what a fault may do (issue 23): not a Locust failure,
    but the audit forgives it only inside a fault's window (loadtest.stopped_journey_findings)."""
    status = response.status_code
    maintenance = status == 503 and "メンテナンス中" in response.text
    if (maintenance or status == 0) and attempt < TRIES:
        response.success()
        _event(name, _kind(status, response), final=False, user=user)
        return
    if maintenance:
        response.success()
        _event(name, MAINTENANCE, final=False, user=user)
        raise JourneyStopped(f"{name}: {MAINTENANCE}")
    response.failure(_kind(status, response))
    _event(name, _kind(status, response), final=True, user=user)
    raise JourneyStopped(f"{name}: {_kind(status, response)}")


class Phone(HttpUser):
    abstract = True
    who = policy = None  # the journey's person (email, policy number), for the events file

    def on_start(self):
        self.client.headers.update({"User-Agent": PHONE, "X-Forwarded-Proto": "https"})
        self.new_phone()

    def new_phone(self):
        """A phone of its own: a new address (a /24 of its own), no cookies."""
        self.address = _address()
        self.client.headers["X-Forwarded-For"] = self.address
        self.client.cookies.clear()

    def cookies(self) -> dict:
        """The jar keeps the Secure session cookie but requests sends it over https only; the load
        generator stands where the TLS proxy stands, so it sends the jar itself."""
        jar = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)
        return {"Cookie": jar} if jar else {}

    def call(self, method: str, path: str, name: str, expect=(200,), data=None, done_before=None):
        """One tap, tapped again after a 503 (メンテナンス中) or a broken connection, as a person would.
        Anything else unexpected stops the journey; only the last failure counts as an error.
        done_before: (status, words) of the page that says an earlier tap went through after all
        (its answer was lost to the fault); on a tap after the first it is accepted and returned."""
        for attempt in range(1, TRIES + 1):
            with self.client.request(method, _url(path), name=name, data=data, allow_redirects=False,
                                     headers=self.cookies(), catch_response=True, timeout=TIMEOUT_S) as response:
                if response.status_code in expect:
                    response.success()
                    return response
                if (done_before and attempt > 1 and response.status_code == done_before[0]
                        and done_before[1] in response.text):
                    response.success()
                    _event(name, DONE_BEFORE, final=False, user=self)
                    return response
                _settle(response, name, attempt, self)
            time.sleep(attempt)  # the person's pause before tapping again
        raise AssertionError("unreachable")

    def page(self, path: str, name: str, title: str | None = None) -> str:
        """GET a form page (following the app's own redirects); its CSRF token. title: what its
        heading must say, so that another page served with a 200 (an empty My Page, an error page
        with a form) stops the journey instead of passing. The page's text stays in self.text."""
        for _ in range(3):
            response = self.call("GET", path, name, expect=(200, 302, 303))
            if response.status_code == 200:
                self.text, self.url = response.text, path
                if title is not None:
                    heading = TITLE.search(self.text)
                    if heading is None or title not in heading.group(1):
                        shown = heading.group(1).strip() if heading else "no heading"
                        _event(name, f"page 「{shown}」, not 「{title}」", final=True, user=self)
                        raise JourneyStopped(f"{name}: page 「{shown}」, not 「{title}」")
                match = CSRF.search(self.text)
                if not match:
                    raise JourneyStopped(f"{name}: no CSRF token")
                return match.group(1)
            path = response.headers["Location"]
        raise JourneyStopped(f"{name}: redirected too often")

    def shown(self, name: str, words: str):
        """The page just read (self.text) must show these words."""
        if words not in self.text:
            _event(name, f"page without 「{words}」", final=True, user=self)
            raise JourneyStopped(f"{name}: page without 「{words}」")

    def post(self, path: str, label: str, token: str, **fields) -> str:
        """POST a form; the Location of its 303 (the next page)."""
        response = self.call("POST", path, label, expect=(303,), data={"csrf_token": token, **fields})
        return response.headers["Location"]


def scan_flyer(user: Phone) -> str:
    """The flyer's QR code; where it leads. LOADTEST_SCANS gets each attempt with the scan's id:
    ok (302), refused (503: it reached the app and may be counted), unanswered (connection broken:
    it may have been counted). Raises JourneyStopped when the person gives up."""
    scan = f"s{next(_scan_ids)}"
    for attempt in range(1, TRIES + 1):
        with user.client.get(_url(f"/r/{CODE}"), allow_redirects=False, name="/r/CODE", headers=user.cookies(),
                             catch_response=True, timeout=TIMEOUT_S) as response:
            status = response.status_code
            if status == 302 and not urlsplit(response.headers.get("Location", "")).path.startswith("/mypage/register/"):
                response.failure("302 elsewhere than the campaign's 新規登録")  # r23b W11
                _event("/r/CODE", f"302 to {response.headers.get('Location')}", final=True, user=user)
                raise JourneyStopped("the flyer's code led elsewhere")
            if status == 302:
                response.success()
                _scans.write(f"ok {scan} {user.address}\n")
                return response.headers["Location"]
            if status in (0, 503):
                _scans.write(f"{'unanswered' if status == 0 else 'refused'} {scan} {user.address}\n")
            _settle(response, "/r/CODE", attempt, user)
        time.sleep(attempt)
    raise AssertionError("unreachable")


def wait_for_mail(user: Phone, to: str, subject: str, count: int = 1) -> dict:
    """The count-th mail to `to` whose subject holds `subject`, as the sink wrote it down. Polls
    the recipient's file until it is there (the event is the mail's arrival)."""
    path = MAILDIR / f"{to}.jsonl"
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        if path.exists():
            mails = [m for m in map(json.loads, path.read_text(encoding="utf-8").splitlines())
                     if subject in m["subject"]]
            if len(mails) >= count:
                return mails[-1]
        time.sleep(0.5)
    _event(f"mail {subject}", "mail never arrived", final=True, user=user)
    raise JourneyStopped(f"no {subject} mail for {to}")


class Journey(Phone):
    """One person, one journey, then the next person (each contract is walked once)."""
    weight = 2
    wait_time = between(0.5, 1.5)

    @task
    def journey(self):
        n = next(_people)
        if n >= PEOPLE:
            raise StopUser()
        i = renewal_open(n)
        email, policy = f"lt{i}@example.jp", policy_number(i)
        # one journey in four types a wrong one-time password first, one in eight twice (r23c E: a code
        # accepted from the second wrong try on passed)
        self.mistypes = 2 if n % 8 == 0 else 1 if n % 4 == 0 else 0
        self.own = contract_row(i)  # what its My Page card must say (r23c G: another car on its card passed)
        self.new_phone()  # each journey is another person (loadtest.own_policies: lt<i>, policy i)
        self.who, self.policy = email, policy
        step = "scan"
        # the audit wants an end line for every start: a journey never vanishes from the record
        _journeys.write(json.dumps({"at": time.time(), "email": email, "policy": policy,
                                    "outcome": "started"}) + "\n")
        try:
            target = scan_flyer(self)
            step = "register"
            self.page(target, "登録のご案内", "マイページご利用までの流れ")
            self.register(i, email)
            step = "login"
            self.login(email)
            step = "renewal"
            receipt, premium = self.renew(policy)
        except Exception as stopped:  # noqa: BLE001 - a harness error too is reported, never lost
            _journeys.write(json.dumps({"at": time.time(), "email": email, "policy": policy,
                                        "outcome": "stopped", "step": step,
                                        "why": f"{type(stopped).__name__}: {stopped}"}) + "\n")
            return
        except BaseException as cut:  # GreenletExit: the load ended under this journey (--stop-timeout)
            _journeys.write(json.dumps({"at": time.time(), "email": email, "policy": policy,
                                        "outcome": "stopped", "step": step,
                                        "why": f"cut off when the load ended ({type(cut).__name__})"}) + "\n")
            raise
        _journeys.write(json.dumps({"at": time.time(), "email": email, "policy": policy,
                                    "outcome": "complete", "receipt": receipt,
                                    "premium": premium}) + "\n")

    def register(self, i: int, email: str):
        typed = typed_identity(i)
        year, month, day = typed.pop("birth_date").split("-")
        token = self.page("/mypage/register/terms", "会員規定", "会員規定への同意")
        nxt = self.post("/mypage/register/terms", "会員規定 同意", token, agree="y")
        token = self.page(nxt, "お客さま情報の入力", "お客さま情報の入力")
        nxt = self.post("/mypage/register/info", "お客さま情報の入力 次へ", token, **typed,
                        birth_year=year, birth_month=str(int(month)), birth_day=str(int(day)),
                        email=email, password=PASSWORD, password_confirm=PASSWORD)
        token = self.page(nxt, "入力内容の確認", "お客さま情報の確認")
        self.post("/mypage/register/confirm", "入力内容の確認 送信", token)
        body = wait_for_mail(self, email, "仮登録")["body"]
        match = re.search(r"http://localhost(/mypage/register/verify/[A-Za-z0-9_\-]+)", body)
        if not match:
            raise JourneyStopped("仮登録 mail without its link")
        token = self.page(match.group(1), "本登録", "本登録")
        response = self.call("POST", match.group(1), "本登録 パスワード", expect=(303,),
                             data={"csrf_token": token, "password": PASSWORD}, done_before=ALREADY_REGISTERED)
        if response.status_code != 303:
            return  # the tap whose answer was lost registered them: they log in, as the page says
        token = self.page(response.headers["Location"], "本登録 完了", "登録完了")
        self.post("/mypage/logout", "ログアウト", token)

    def login(self, email: str):
        token = self.page("/mypage/login", "/mypage/login", "マイページログイン")
        nxt = self.post("/mypage/login", "ログイン", token, email=email, password=PASSWORD)
        token = self.page(nxt, "ワンタイムパスワードの入力", "ワンタイムパスワードの入力")
        body = wait_for_mail(self, email, "ワンタイムパスワード")["body"]
        code = re.search(r"ワンタイムパスワード：(\d{6})", body)
        if not code:
            raise JourneyStopped("ワンタイムパスワード mail without its code")
        for slip in range(1, self.mistypes + 1):  # the app must refuse each (any code taken passed: r23b P4)
            wrong = code.group(1)[:-1] + str((int(code.group(1)[-1]) + slip) % 10)
            refused = self.call("POST", "/mypage/login/otp", "ワンタイムパスワード 誤り", expect=(303, 422),
                                data={"csrf_token": token, "code": wrong})
            if refused.status_code != 422 or WRONG_CODE not in refused.text:
                _event("ワンタイムパスワード 誤り", f"a wrong code answered {refused.status_code}", final=True, user=self)
                raise JourneyStopped(f"a wrong one-time password answered {refused.status_code}")
        self.post("/mypage/login/otp", "ワンタイムパスワード 送信", token, code=code.group(1))

    def renew(self, policy: str) -> tuple[str, int]:
        """From My Page top's card of this contract to 確定, as a person taps it: the card must show
        the contract and its 更新のお手続き button, each page must be the step it should be, and the
        premium 保険料の確認 shows must be the one 最終確認 and 完了 show. The 受付番号 and that premium."""
        self.page("/mypage/", "My Page top", "マイページトップ")
        cards = dict(CARD.findall(self.text))
        shown = set(re.findall(r'id="contract-([^"]+)"', self.text))  # any markup (r23c W-E)
        if (set(cards) | shown) - {policy}:  # another customer's contract on this member's page (r23b P1)
            _event("My Page top", "another customer's card", final=True, user=self)
            raise JourneyStopped(f"My Page top shows {sorted((set(cards) | shown) - {policy})} besides {policy}")
        card = cards.get(policy)
        if card is not None and not all(self.own[k] in card for k in ("car_name", "group_name")):
            _event("My Page top", "its card shows another car or group", final=True, user=self)
            raise JourneyStopped(f"My Page top: the card of {policy} does not show {self.own['car_name']}, "
                                 f"{self.own['group_name']}")
        entry = re.search(r'<a class="button[^"]*" href="([^"]+)"[^>]*>更新のお手続き</a>', card) if card else None
        if entry is None:
            _event("My Page top", "no card with 更新のお手続き for the contract", final=True, user=self)
            raise JourneyStopped(f"My Page top: no card with 更新のお手続き for {policy}")
        token = self.page(entry.group(1), "更新 契約内容", "ご契約内容の確認")
        self.shown("更新 契約内容", policy)
        nxt = self.post(self.url, "更新 契約内容 次へ", token)
        token = self.page(nxt, "更新 補償内容", "更新内容の選択")
        nxt = self.post(self.url, "更新 補償内容 次へ", token, **CHOSEN, action="next")
        token = self.page(nxt, "更新 保険料", "保険料の確認")
        quoted = PREMIUM.search(self.text)
        if quoted is None or int(quoted.group(2).replace(",", "")) != int(quoted.group(1)):
            _event("更新 保険料", "page without its premium, or showing another", final=True, user=self)
            raise JourneyStopped(f"保険料の確認: premium {quoted.groups() if quoted else None}")
        premium = int(quoted.group(1))
        nxt = self.post(self.url, "更新 保険料 次へ", token)
        token = self.page(nxt, "更新 重要事項", "重要事項説明・意向確認")
        nxt = self.post(self.url, "更新 重要事項 次へ", token, read_disclosure="y", intent_confirmed="y")
        token = self.page(nxt, "更新 最終確認", "最終確認")
        self.shown("更新 最終確認", f'id="premium" data-premium="{premium}">{premium:,}円<')
        done = self.post(self.url, "更新 確定", token)
        self.page(done, "更新 完了", "更新のお手続き完了")
        match = RECEIPT.search(self.text)
        if not match:
            raise JourneyStopped("完了 without its 受付番号")
        self.shown("更新 完了", f"{premium:,}円")
        # what the person sees afterwards: My Page's card says it is done, with its 受付番号 (r23b P15)
        self.page("/mypage/", "My Page top 確定後", "マイページトップ")
        self.shown("My Page top 確定後", f"受付番号 {match.group(1)}")
        return match.group(1), premium


class Scanner(Phone):
    """Scans the flyer and goes no further; a new phone each time."""
    weight = 3
    wait_time = between(0.2, 1.0)

    @task
    def scan(self):
        self.new_phone()
        try:
            scan_flyer(self)
        except JourneyStopped:
            pass  # counted by _settle()


class LoginOnly(Phone):
    """Opens the login page from the flyer's link and goes no further."""
    weight = 1
    wait_time = between(0.5, 2.0)

    @task
    def login_page(self):
        try:
            response = self.call("GET", "/mypage/login", "/mypage/login")
        except JourneyStopped:
            return  # counted by call()
        heading = TITLE.search(response.text)
        if heading is None or "マイページログイン" not in heading.group(1):  # r23b W11: not any page saying ログイン
            _event("/mypage/login", "page without its heading マイページログイン", final=True, user=self)


class Chat(Phone):
    """Asks the AIチャット one question."""
    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def ask(self):
        q = QUESTIONS[next(_numbers) % len(QUESTIONS)]
        try:
            response = self.call("GET", f"/help/chat/api?q={q}", "/help/chat/api")
        except JourneyStopped:
            return  # counted by call()
        if response.json().get("kind") not in ("answer", "suggest", "handoff"):
            _event("/help/chat/api", "answer without its kind", final=True, user=self)
