"""`flask --app wsgi …` commands from shared/INTERFACE.md."""
from __future__ import annotations

import json

import pytest

HEADER = ("policy_number,name,name_kana,birth_date,postal_code,address,phone,phone2,car_name,"
          "insurance_start,insurance_end,group_name,agency_name,agency_phone")
ROW = ("AB12345678,鈴木 一郎,スズキ イチロウ,1980-01-02,100-0001,東京都千代田区千代田1-1,03-3333-4444,,"
       "カローラ,2026-04-01,2027-04-01,株式会社テスト,テスト代理店,03-5555-6666")


def write(tmp_path, text: str, encoding="utf-8") -> str:
    path = tmp_path / "contracts.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_import_accepts_utf8_bom_and_cp932(runner, app, tmp_path, encoding):
    from clickar.models import Contract

    result = runner.invoke(args=["contracts", "import", write(tmp_path, f"{HEADER}\n{ROW}\n", encoding)])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    with app.app_context():
        contract = Contract.by_policy_number("AB12345678")
        assert contract.name == "鈴木 一郎" and contract.car_name == "カローラ"
        assert contract.match_form  # normal forms stored at import


def test_import_upserts_by_policy_number(runner, app, tmp_path):
    from clickar.models import Contract

    runner.invoke(args=["contracts", "import", write(tmp_path, f"{HEADER}\n{ROW}\n")])
    result = runner.invoke(args=["contracts", "import", write(tmp_path, f"{HEADER}\n{ROW.replace('カローラ', 'ヤリス')}\n")])
    assert "1 updated" in result.output
    with app.app_context():
        assert Contract.by_policy_number("AB12345678").car_name == "ヤリス"
        assert Contract.select().where(Contract.policy_number == "AB12345678").count() == 1


def test_any_bad_row_writes_nothing_and_reports_every_bad_row(runner, app, tmp_path):
    from clickar.models import Contract

    bad_date = ROW.replace("AB12345678", "AB00000002").replace("1980-01-02", "1980-13-02")
    no_name = ROW.replace("AB12345678", "AB00000003").replace("鈴木 一郎", "")
    duplicate = ROW
    text = "\n".join([HEADER, ROW, bad_date, no_name, duplicate]) + "\n"
    result = runner.invoke(args=["contracts", "import", write(tmp_path, text)])
    assert result.exit_code == 1
    assert "line 3: birth_date: not a date (YYYY-MM-DD)" in result.output
    assert "line 4: name: required" in result.output
    assert "line 5: policy_number: duplicate of line 2" in result.output
    with app.app_context():
        assert Contract.by_policy_number("AB12345678") is None


def test_missing_column_is_reported(runner, tmp_path):
    result = runner.invoke(args=["contracts", "import", write(tmp_path, "policy_number,name\nAB12345678,x\n")])
    assert result.exit_code == 1
    assert "line 1: birth_date: missing column" in result.output


def test_demo_seed_is_idempotent_and_prints_a_table(runner, app):
    from clickar.models import Contract

    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == second.exit_code == 0
    assert "証券番号 | 氏名" in first.output and "SJ24000101 | 山田 太郎" in first.output
    with app.app_context():
        assert Contract.select().count() == 3


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "up to date" in result.output


def test_match_check_uses_the_registration_matcher(runner, tmp_path):
    contract = {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1970-04-01",
                "postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号",
                "phone": "03-1234-5678", "phone2": ""}
    cases = [
        {"id": 1, "contract": contract, "entered": dict(contract, address="東京都新宿区西新宿2-8-1")},
        {"id": "b", "contract": contract, "entered": dict(contract, phone="03-1234-5679")},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    result = runner.invoke(args=["contracts", "match-check", str(path)])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert lines == [{"id": 1, "match": True}, {"id": "b", "match": False}]


def test_mail_flush_sends_what_waits(runner, app, mailbox):
    from clickar import mail
    from clickar.models import OutboxMail

    with app.test_request_context():
        mail.queue("test", "waiting@example.jp", "テスト送信", "otp", code="123456", minutes=5)
    result = runner.invoke(args=["mail", "flush"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert mailbox.wait_for("waiting@example.jp", "テスト送信")
    with app.app_context():
        assert OutboxMail.waiting().count() == 0
    assert "sent 0" in runner.invoke(args=["mail", "flush"]).output  # never twice
