"""make loadtest's audit functions on crafted data (issue 23): each hole an outside review found in
the audit, shown found. No load run, no database: the checks that need PostgreSQL are in
test_loadtest.py."""
from __future__ import annotations

import json

from bench import loadtest

# One fault: Redis down from t=1000 to t=1006, so its window is [1000 - margin, 1006 + grace]
TIMELINE = [{"at": 990.0, "event": "load starts"},
            {"at": 1000.0, "event": "fault: Redis restarted (down for 5 s)"},
            {"at": 1006.0, "event": "fault: Redis back"}]
WINDOWS = loadtest.fault_windows(TIMELINE)


def _network(*addresses: str) -> dict[str, str]:
    return {a: "net:" + a.rsplit(".", 1)[0] for a in addresses}  # the funnel keeps the /24, keyed


def test_a_lost_scan_is_found_when_one_address_scanned_several_times():
    lines = ["ok s1 10.0.0.1", "ok s2 10.0.0.1", "ok s3 10.0.0.1"]  # one phone, three scans, all 302
    network = _network("10.0.0.1")
    assert loadtest.scan_findings(lines, {"net:10.0.0": 3}, network) == []
    findings = loadtest.scan_findings(lines, {"net:10.0.0": 2}, network)  # one of them lost
    assert findings == ["scans: 1 answered 302 but not in the funnel (e.g. 10.0.0.1: 3 scans answered, 2 rows)"]


def test_the_taps_of_one_scan_are_one_scan_and_may_each_be_counted():
    lines = ["refused s7 10.0.3.1", "unanswered s7 10.0.3.1", "ok s7 10.0.3.1"]  # one scan, three taps
    network = _network("10.0.3.1")
    for rows in (1, 2, 3):  # a 503 or a broken tap may have written its row before it failed
        assert loadtest.scan_findings(lines, {"net:10.0.3": rows}, network) == [], rows
    assert "not in the funnel" in loadtest.scan_findings(lines, {}, network)[0]
    assert "counted more often than their scans reached the app" in \
        loadtest.scan_findings(lines, {"net:10.0.3": 4}, network)[0]
    assert loadtest.scan_findings(lines, {"net:10.0.3": 1, "net:10.9.9": 2}, network) == \
        ["scans: 2 funnel rows from no scan of the load"]


def _stopped(at: float) -> dict:
    return {"at": at, "outcome": "stopped", "email": "lt5@example.jp", "step": "login",
            "why": "JourneyStopped: ログイン: HTTP 503 メンテナンス中"}


def test_a_503_at_the_last_tap_is_forgiven_only_inside_a_fault_window():
    assert loadtest.stopped_journey_findings([_stopped(1003.0)], WINDOWS) == []  # during the outage
    assert loadtest.stopped_journey_findings([_stopped(1015.0)], WINDOWS) == []  # its grace after
    assert loadtest.stopped_journey_findings([_stopped(999.0)], WINDOWS) == []  # the margin before
    for at in (900.0, 995.0, 1020.0):  # no fault running: the app failing on its own
        assert loadtest.stopped_journey_findings([_stopped(at)], WINDOWS) == [
            "journey lt5@example.jp stopped at login outside every fault window: "
            "JourneyStopped: ログイン: HTTP 503 メンテナンス中"], at
    assert loadtest.stopped_journey_findings([_stopped(900.0)], []) != []  # a run without faults
    other = {**_stopped(1003.0), "why": "JourneyStopped: ログイン: HTTP 400"}
    assert loadtest.stopped_journey_findings([other], WINDOWS) == [
        "journey lt5@example.jp stopped at login: JourneyStopped: ログイン: HTTP 400"]


def _event(at: float, kind: str, final: bool = False, step: str = "/r/CODE") -> dict:
    return {"at": at, "step": step, "kind": kind, "final": final}


def test_the_clients_events_retried_outside_a_fault_or_given_up_are_findings():
    inside = [_event(1001.0, "HTTP 503"), _event(1002.0, "broken connection"),
              _event(1004.0, "HTTP 503 メンテナンス中"), _event(1005.0, "done by an earlier tap")]
    assert loadtest.event_findings(inside, WINDOWS) == []
    assert loadtest.event_findings([_event(1030.0, "HTTP 503"), _event(1031.0, "HTTP 503"),
                                    _event(950.0, "broken connection")], WINDOWS) == [
        "client outside every fault window: 2 × /r/CODE: HTTP 503",
        "client outside every fault window: 1 × /r/CODE: broken connection"]
    assert loadtest.event_findings([_event(1003.0, "mail never arrived", True, "mail 仮登録")], WINDOWS) == [
        "client gave up: 1 × mail 仮登録: mail never arrived"]  # inside a window too: never forgiven
    assert loadtest.event_findings([_event(1040.0, "done by an earlier tap")], WINDOWS) == []


def _log(*entries) -> str:
    return "\n".join(e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in entries) + "\n"


REQUEST = {"level": "INFO", "logger": "clickar.request", "message": "request", "status": 302}
KILLED = {"level": "ERROR", "logger": "gunicorn.error", "message": "Worker (pid:14345) was sent SIGKILL! "
          "Perhaps out of memory?"}  # the kill -9 fault itself: expected


def test_the_gunicorn_log_shows_its_own_500s_worker_timeouts_and_raw_tracebacks():
    assert loadtest.log_findings(_log(REQUEST, KILLED, {**REQUEST, "status": 503})) == []
    timeout = {"level": "CRITICAL", "logger": "gunicorn.error", "message": "WORKER TIMEOUT (pid:4242)"}
    assert loadtest.log_findings(_log(REQUEST, timeout)) == [
        f"1 gunicorn WORKER TIMEOUT lines (e.g. {json.dumps(timeout)})"]
    error = {"level": "ERROR", "logger": "gunicorn.error", "message": "Error handling request /mypage/login",
             "error": "RuntimeError: boom", "traceback": "  File ..."}
    assert loadtest.log_findings(_log(error))[0].startswith(
        "1 requests gunicorn answered 500 itself (Error handling request)")
    raw = ["Exception in thread Thread-3:", "Traceback (most recent call last):", '  File "x.py", line 1',
           "ValueError: boom"]
    assert loadtest.log_findings(_log(REQUEST, *raw)) == [
        "1 tracebacks outside the JSON log (e.g. Traceback (most recent call last):)"]
    assert loadtest.log_findings(_log({**REQUEST, "status": 500}))[0].startswith(
        "1 responses with status 500 in the app's log")
    assert loadtest.log_findings("[2026-12-05 07:35:20] [CRITICAL] WORKER TIMEOUT (pid:7)\n") != []


def _mail(mail_id: int, recipient: str, kind: str, policy: str = "") -> tuple[int, str, str, str]:
    subject = f"【Clickar】更新手続き受付（受付番号 R000001-AAAAAA・証券番号 {policy}）" if policy else "件名"
    return mail_id, recipient, kind, subject


def test_one_logical_mail_written_twice_is_found():
    one_each = [_mail(1, "lt0@example.jp", "verification"), _mail(2, "lt0@example.jp", "otp"),
                _mail(3, "lt1@example.jp", "otp"), _mail(4, "agency@example.jp", "renewal_accepted_agency", "BN00000000"),
                _mail(5, "agency@example.jp", "renewal_accepted_agency", "BN00000001")]
    assert loadtest.duplicate_mail_findings(one_each, []) == []  # the agency's mails are one per contract
    twice = [*one_each, _mail(6, "LT0@example.jp", "otp")]
    assert loadtest.duplicate_mail_findings(twice, []) == [
        "mail otp to lt0@example.jp (journey lt0@example.jp) written 2 times (outbox ids [2, 6]), "
        "for 1 tap(s) of ログイン"]
    agency_twice = [*one_each, _mail(7, "agency@example.jp", "renewal_accepted_agency", "BN00000001")]
    assert loadtest.duplicate_mail_findings(agency_twice, []) == [
        "mail renewal_accepted_agency to agency@example.jp (journey bn00000001) written 2 times "
        "(outbox ids [5, 7]), for 1 tap(s) of 更新 確定"]
    # The person tapped ログイン again after a 503 (the first tap's answer lost): two logins, two codes
    retried = {"at": 1001.0, "step": "ログイン", "kind": "HTTP 503", "final": False,
               "who": "lt0@example.jp", "policy": "BN00000000"}
    assert loadtest.duplicate_mail_findings(twice, [retried]) == []
    assert loadtest.duplicate_mail_findings(twice, [{**retried, "who": "lt1@example.jp"}]) != []
    assert loadtest.duplicate_mail_findings(twice, [{**retried, "kind": "done by an earlier tap"}]) != []
    assert loadtest.duplicate_mail_findings(agency_twice, [{**retried, "step": "更新 確定",
                                                            "policy": "BN00000001"}]) == []


def test_a_members_own_contracts_are_those_of_its_person():
    assert loadtest.own_policies("lt300@example.jp") == {"BN00000300"}
    assert loadtest.own_policies("LT7@EXAMPLE.JP") == {"BN00000007"}
    assert loadtest.own_policies("someone@example.jp") is None


def test_a_journey_that_started_and_never_ended_is_found():
    """Locust cut a journey off at the end of the load (GreenletExit) and nothing was written: it
    vanished from every count. Now each start wants an end line."""
    lines = [{"email": "lt1@example.jp", "outcome": "started"}, {"email": "lt1@example.jp", "outcome": "complete"},
             {"email": "lt2@example.jp", "outcome": "started"}]
    assert loadtest.vanished_findings(lines) == ["1 journeys started and never ended (e.g. lt2@example.jp)"]
    assert loadtest.vanished_findings(lines + [{"email": "lt2@example.jp", "outcome": "stopped"}]) == []


def test_a_complete_journey_without_one_of_its_mails_is_found():
    complete = [{"email": "lt3@example.jp", "policy": "BN00000003", "outcome": "complete"}]
    mails = [("verification", "lt3@example.jp", "仮登録"), ("registered", "lt3@example.jp", "完了"),
             ("otp", "lt3@example.jp", "ワンタイムパスワード"), ("renewal_accepted", "lt3@example.jp", "受付"),
             ("renewal_accepted_agency", "agency@example.jp", "更新手続き受付（証券番号 BN00000003）")]
    assert loadtest.expected_mail_findings(complete, mails) == []
    assert loadtest.expected_mail_findings(complete, mails[:2] + mails[3:]) == \
        ["journey lt3@example.jp: complete for the client, no otp mail"]
    assert loadtest.expected_mail_findings(complete, mails[:4]) == \
        ["journey lt3@example.jp: complete for the client, no renewal_accepted_agency mail"]


def test_a_renewal_mail_about_another_customers_renewal_is_found():
    """Outside attack r23a, P2: the member's 更新手続き受付 mail rendered from another customer's
    renewal passed (outbox and sink held the same wrong body). r23b, P13: the agency's mail with
    another premium passed; P2: the agency's mail sent to the customer passed."""
    complete = [{"email": "lt3@example.jp", "policy": "BN00000003", "receipt": "R261205-AAAAAA", "outcome": "complete",
                 "premium": 54790}]
    agency = {"BN00000003": "agency@example.jp"}
    right = [("renewal_accepted", "lt3@example.jp", "受付", "受付番号：R261205-AAAAAA\n証券番号：BN00000003\n54,790円"),
             ("renewal_accepted_agency", "agency@example.jp", "更新手続き受付（証券番号 BN00000003）",
              "R261205-AAAAAA 証券番号：BN00000003 年間保険料：54,790円")]
    assert loadtest.mail_content_findings(complete, right, agency) == []
    other = [("renewal_accepted", "lt3@example.jp", "受付", "受付番号：R261205-BBBBBB\n証券番号：BN00000009\n54,790円"),
             ("renewal_accepted_agency", "agency@example.jp", "更新手続き受付（証券番号 BN00000003）", "R261205-BBBBBB 証券番号：BN00000003 54,790円")]
    assert loadtest.mail_content_findings(complete, other, agency) == [
        "journey lt3@example.jp: its renewal_accepted mail does not carry its 受付番号 R261205-AAAAAA, "
        "証券番号 BN00000003 and premium 54,790円",
        "journey lt3@example.jp: the agency's mail for BN00000003 does not carry its 受付番号 R261205-AAAAAA "
        "and premium 54,790円"]
    dearer = [right[0], (*right[1][:3], "R261205-AAAAAA 証券番号：BN00000003 年間保険料：55,790円")]
    assert loadtest.mail_content_findings(complete, dearer, agency) == [
        "journey lt3@example.jp: the agency's mail for BN00000003 does not carry its 受付番号 R261205-AAAAAA "
        "and premium 54,790円"]
    # r23c C+D: the agency's body naming the next contract, the member's addressed to another name
    next_one = [right[0], (*right[1][:3], "R261205-AAAAAA 証券番号：BN00000004 年間保険料：54,790円")]
    assert loadtest.mail_content_findings(complete, next_one, agency) == [
        "journey lt3@example.jp: the agency's mail for BN00000003 names ['BN00000004'] and not its contract holder alone"]
    named = {"BN00000003": "林 太郎"}
    someone = [("renewal_accepted", "lt3@example.jp", "受付", "山田 花子 様\n" + right[0][3]), right[1]]
    assert loadtest.mail_content_findings(complete, someone, agency, names=named) == [
        "journey lt3@example.jp: its renewal_accepted mail is not addressed to 林 太郎 様",
        "journey lt3@example.jp: the agency's mail for BN00000003 names ['BN00000003'] and not its contract holder alone"]
    to_the_customer = [right[0], ("renewal_accepted_agency", "lt3@example.jp", *right[1][2:])]
    assert loadtest.mail_content_findings(complete, to_the_customer, agency) == [
        "journey lt3@example.jp: the agency's mail for BN00000003 went to ['lt3@example.jp'], "
        "not the agency (agency@example.jp)"]


def test_a_registration_mail_listing_someone_elses_contract_is_found():
    """r23b, P11: the 登録完了 mail listed another customer's car."""
    complete = [{"email": "lt3@example.jp", "policy": "BN00000003", "receipt": "R1", "outcome": "complete", "premium": 1}]
    own = {"lt3@example.jp": ["プリウス（保険始期 2026年1月1日）"]}
    mail = ("registered", "lt3@example.jp", "登録完了", "ご登録のご契約：\n・プリウス（保険始期 2026年1月1日）\n")
    assert loadtest.mail_content_findings(complete, [mail], registered=own) == []
    theirs = (*mail[:3], "ご登録のご契約：\n・アクア（保険始期 2026年2月1日）\n")
    assert loadtest.mail_content_findings(complete, [theirs], registered=own) == [
        "journey lt3@example.jp: its 登録完了 mail lists ['アクア（保険始期 2026年2月1日）'], "
        "its contracts are ['プリウス（保険始期 2026年1月1日）']"]


def test_a_mail_no_step_of_the_load_writes_is_found():
    """r23b, P3: every 確定 also sending 「更新手続き取消のご連絡」 passed."""
    assert loadtest.unexpected_mail_findings([("otp", 40), ("verification", 41)]) == []
    assert loadtest.unexpected_mail_findings([("otp", 40), ("renewal_cancelled", 39)]) == [
        "39 mails of kind renewal_cancelled, which no step of the load writes"]


def test_a_contract_changed_since_its_import_is_found():
    """r23b, P10: a 確定 that rewrote every contract's 団体名 passed."""
    from bench.people import contract_row

    rows = [contract_row(3), contract_row(4)]
    assert loadtest.contract_findings(rows) == []
    rows[1] = {**rows[1], "group_name": rows[0]["group_name"]}
    assert loadtest.contract_findings(rows) == ["contract BN00000004: group_name not as imported"]


def test_journeys_that_only_finish_after_the_load_are_found():
    """r23b, P14: every mail 45 s late passed: 7 journeys, all finished in the stop timeout."""
    timeline = [{"at": 40.0, "event": "load starts", "duration_s": 60}, {"at": 170.0, "event": "load ends"}]
    late = [{"outcome": "complete", "at": 130.0}] * 7
    assert "journeys finished within the load" in " ".join(loadtest.run_findings(late, timeline, 6, False, 0))
    on_time = [{"outcome": "complete", "at": 90.0}] * 7
    assert loadtest.run_findings(on_time, timeline, 6, False, 0) == []
    # r23c J2: every mail 8 s late, 7 of 14 within a faulted 24-user minute (clean runs: 33–57)
    faulted = [{**timeline[0], "users": 24}, timeline[1]]
    slow = [{"outcome": "complete", "at": 90.0}] * 7 + [{"outcome": "complete", "at": 130.0}] * 7
    assert "only 7 of 14 journeys finished within the load" in " ".join(
        loadtest.run_findings(slow, faulted, 6, True, 0))
    brisk = [{"outcome": "complete", "at": 90.0}] * 40
    assert not any("within the load" in f for f in loadtest.run_findings(brisk, faulted, 6, True, 0))


def test_a_mail_whose_envelope_went_elsewhere_than_its_to_is_found():
    received = [{"to": "lt4@example.jp", "rcpt": ["lt4@example.jp"]},
                {"to": "lt5@example.jp", "rcpt": ["lt5@example.jp", "someone@example.jp"]}]
    assert loadtest.envelope_findings(received[:1]) == []
    assert "envelope recipients differ from To" in loadtest.envelope_findings(received)[0]


def test_a_run_that_barely_happened_or_whose_faults_did_nothing_is_found():
    timeline = [{"at": 1.0, "event": "fault: kill -9 of one gunicorn worker", "pid": 123},
                {"at": 2.0, "event": "fault: Redis back"}, {"at": 3.0, "event": "fault: SMTP sink back"},
                {"at": 4.0, "event": "fault: pg_terminate_backend of the app's backends", "backends": 6}]
    done = [{"outcome": "complete"}] * 6
    assert loadtest.run_findings(done, timeline, 6, True, 0) == []
    assert loadtest.run_findings(done[:2], timeline, 6, True, 0) == \
        ["only 2 journeys complete, fewer than 6: the run barely happened"]
    assert loadtest.run_findings(done, timeline, 6, True, 1) == ["Locust exited with code 1 (see its output above)"]
    idle = [dict(e, pid=None, backends=0) for e in timeline[:1] + timeline[3:]] + timeline[1:3]
    assert loadtest.run_findings(done, idle, 6, True, 0) == [
        "fault without effect: no gunicorn worker was killed",
        "fault without effect: no PostgreSQL backend of the app was terminated"]
    assert loadtest.run_findings(done, [], 6, False, 0) == []  # FAULTS=0


def test_a_gunicorn_worker_that_died_on_its_own_is_found():
    line = lambda message: json.dumps({"level": "ERROR", "logger": "gunicorn.error", "message": message})  # noqa: E731
    killed = "\n".join([line("Worker (pid:77) was sent SIGKILL! Perhaps out of memory?"),
                        line("Worker (pid:80) was sent SIGTERM!")])
    assert loadtest.worker_exit_findings(killed, {77}) == []  # the fault's kill -9; the shutdown
    for message in ("Worker (pid:78) was sent SIGSEGV!", "Worker (pid:79) exited with code 1.",
                    "Worker (pid:81) was sent SIGKILL! Perhaps out of memory?"):
        assert loadtest.worker_exit_findings(killed + "\n" + line(message), {77}) == [
            f"1 gunicorn workers ended on their own (e.g. {message.split('!')[0].rstrip('.')})"], message


def test_the_smtp_sinks_outage_forgives_no_failed_tap():
    """Mail leaves through the outbox after the response: while only the sink is down, a 503 is the
    app failing on its own. Redis's restart still forgives one."""
    timeline = [{"at": 1000.0, "event": "fault: SMTP sink stopped (30 s)"},
                {"at": 1030.0, "event": "fault: SMTP sink back"}] + TIMELINE[1:]
    timeline[2:] = [dict(e, at=e["at"] + 100) for e in timeline[2:]]  # Redis down at 1100–1106
    windows = loadtest.web_fault_windows(timeline)
    tap = {"step": "ログイン", "kind": "HTTP 503", "final": False}
    assert loadtest.event_findings([dict(tap, at=1010.0)], windows) == [
        "client outside every fault window: 1 × ログイン: HTTP 503"]
    assert loadtest.event_findings([dict(tap, at=1101.0)], windows) == []


def test_a_journey_cut_off_when_the_load_ended_is_counted_not_a_finding():
    cut = {"outcome": "stopped", "email": "lt6@example.jp", "step": "scan", "at": 5000.0,
           "why": "cut off when the load ended (GreenletExit)"}
    assert loadtest.stopped_journey_findings([cut], WINDOWS) == []
    assert loadtest.vanished_findings([{"email": "lt6@example.jp", "outcome": "started"}, cut]) == []


def test_a_tap_that_hung_is_found_even_inside_a_fault_and_retried():
    hung = {"at": 1001.0, "step": "ログイン", "kind": "timeout: no answer in 30 s", "final": False}
    assert loadtest.event_findings([hung], WINDOWS) == ["client waited for nothing: 1 × ログイン: timeout: no answer in 30 s"]


def test_a_contract_whose_dates_changed_is_found():
    """r23c, I: a 確定 that rewrote another contract's 保険終期 passed (dates were left out)."""
    import datetime as dt

    from bench.people import contract_row

    day = dt.date(2026, 12, 5)
    rows = [contract_row(3, day), contract_row(4, day)]
    assert loadtest.contract_findings(rows, day) == []
    rows[1] = {**rows[1], "insurance_end": rows[0]["insurance_end"]}
    assert loadtest.contract_findings(rows, day) == ["contract BN00000004: insurance_end not as imported"]


def test_a_mail_to_someone_who_walked_no_journey_or_naming_another_policy_is_found():
    """r23c, B2: a copy of each renewal mail to a person of the load who never walked passed."""
    lines = [{"email": "lt3@example.jp", "policy": "BN00000003", "outcome": "started"}]
    mine = ("renewal_accepted", "lt3@example.jp", "受付番号 R1 証券番号 BN00000003")
    agency = ("renewal_accepted_agency", "agency@example.jp", "BN00000003")
    assert loadtest.stranger_mail_findings(lines, [mine, agency], {"agency@example.jp"}) == []
    stranger = ("renewal_accepted", "lt103@example.jp", "受付番号 R1 証券番号 BN00000003")
    assert loadtest.stranger_mail_findings(lines, [mine, agency, stranger], {"agency@example.jp"}) == [
        "1 addresses got mail and walked no journey (e.g. lt103@example.jp)"]
    theirs = ("renewal_accepted", "lt3@example.jp", "受付番号 R2 証券番号 BN00000004")
    assert loadtest.stranger_mail_findings(lines, [theirs], {"agency@example.jp"}) == [
        "1 mails name another person's policy (e.g. BN00000004 in lt3@example.jp's)"]
