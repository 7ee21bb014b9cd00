"""Synthetic people for `make bench`, `make bench-scale` and the contract-import tests.

Person i is computed from i alone (the wrk script in bench.run repeats this arithmetic):
`contract_row(i)` is the insurer's CSV row, `typed_identity(i)` what that person types
at お客さま情報の入力, `write_csv` a contracts CSV of n of them.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

POLICY_PREFIX = "BN"

SURNAMES = [("山田", "ヤマダ", "やまだ"), ("佐藤", "サトウ", "さとう"), ("鈴木", "スズキ", "すずき"),
            ("高橋", "タカハシ", "たかはし"), ("田中", "タナカ", "たなか"), ("伊藤", "イトウ", "いとう"),
            ("渡辺", "ワタナベ", "わたなべ"), ("中村", "ナカムラ", "なかむら"), ("小林", "コバヤシ", "こばやし"),
            ("加藤", "カトウ", "かとう"), ("吉田", "ヨシダ", "よしだ")]
GIVEN = [("太郎", "タロウ", "たろう"), ("花子", "ハナコ", "はなこ"), ("一郎", "イチロウ", "いちろう"),
         ("美咲", "ミサキ", "みさき"), ("健太", "ケンタ", "けんた"), ("陽子", "ヨウコ", "ようこ"),
         ("大輔", "ダイスケ", "だいすけ")]
# (prefecture, city + town as printed, as typed, postal code, area code)
PLACES = [("東京都", "新宿区西新宿", "新宿区西新宿", "160-0023", "03"),
          ("大阪府", "大阪市北区梅田", "大阪市北区梅田", "530-0001", "06"),
          ("北海道", "札幌市中央区北一条西", "札幌市中央区北1条西", "060-0001", "011"),
          ("東京都", "千代田区霞が関", "千代田区霞が関", "100-0013", "03"),
          ("愛知県", "名古屋市中村区名駅", "名古屋市中村区名駅", "450-0002", "052"),
          ("福岡県", "福岡市博多区博多駅前", "福岡市博多区博多駅前", "812-0011", "092"),
          ("神奈川県", "横浜市西区みなとみらい", "横浜市西区みなとみらい", "220-0012", "045")]
KANJI_DIGITS = "〇一二三四五六七八九"
CARS = ["プリウス", "N-BOX", "アクア", "ヤリス", "フィット", "ノート", "セレナ", "タント"]


# What every load-test journey picks on 補償内容 (bench/locustfile.py); the audit checks the renewal row.
CHOSEN = {"driver_scope": "family", "driver_age": "35", "vehicle": "general", "deductible": "5-10",
          "purpose": "commute", "mileage": "10000"}


def _pick(i: int, every: int, table: list):
    return table[(i // every) % len(table)]


def _parts(i: int) -> dict:
    """Everything about synthetic person i, from i alone (the wrk script repeats this arithmetic)."""
    surname, given, place = _pick(i, 1, SURNAMES), _pick(i, 11, GIVEN), _pick(i, 77, PLACES)
    chome, ban, go = 1 + (i // 539) % 3, 1 + (i // 1617) % 20, 1 + (i // 32340) % 30
    year, month, day = 1950 + i % 50, 1 + (i // 50) % 12, 1 + (i // 600) % 28
    line = place[4]
    phone = f"{line}-{(i // 10000) % 9000 + 1000:04d}-{i % 10000:04d}" if len(line) == 2 else \
        f"{line}-{(i // 10000) % 900 + 100:03d}-{i % 10000:04d}"
    return {"surname": surname, "given": given, "place": place, "chome": chome, "ban": ban, "go": go,
            "birth": dt.date(year, month, day), "phone": phone}


def policy_number(i: int) -> str:
    return f"{POLICY_PREFIX}{i:08d}"


def contract_row(i: int, today: dt.date | None = None) -> dict:
    """Contract CSV columns for synthetic person i, as the insurer would load them."""
    p = _parts(i)
    today = today or dt.date.today()
    end = today + dt.timedelta(days=30 + i % 300)
    return {
        "policy_number": policy_number(i),
        "name": f"{p['surname'][0]} {p['given'][0]}",
        "name_kana": f"{p['surname'][1]} {p['given'][1]}",
        "birth_date": p["birth"].isoformat(),
        "postal_code": p["place"][3],
        "address": f"{p['place'][0]}{p['place'][1]}{KANJI_DIGITS[p['chome']]}丁目{p['ban']}番{p['go']}号",
        "phone": p["phone"],
        "phone2": "",
        "car_name": CARS[i % len(CARS)],
        "insurance_start": end.replace(year=end.year - 1).isoformat() if not (end.month == 2 and end.day == 29)
        else end.replace(year=end.year - 1, day=28).isoformat(),
        "insurance_end": end.isoformat(),
        "group_name": f"株式会社ベンチ商事{i % 50:02d}",
        "agency_name": "クリック保険サービス株式会社",
        "agency_phone": "03-5000-1234",
    }


def renewal_open(n: int) -> int:
    """The n-th person whose 保険終期 is 30–79 days away (contract_row: 30 + i % 300 days), so
    更新のお手続き is open for them (it opens 90 days before): make loadtest's journeys."""
    return (n // 50) * 300 + n % 50


def typed_identity(i: int) -> dict:
    """What person i types at お客さま情報の入力: no spaces, hiragana, a short address."""
    p = _parts(i)
    return {
        "policy_numbers-0": policy_number(i),
        "name": f"{p['surname'][0]}{p['given'][0]}",
        "name_kana": f"{p['surname'][2]} {p['given'][2]}",
        "birth_date": p["birth"].isoformat(),
        "postal_code": p["place"][3].replace("-", ""),
        "address": f"{p['place'][2]}{p['chome']}-{p['ban']}-{p['go']}",
        "phone": p["phone"],
    }


CSV_COLUMNS = ("policy_number", "name", "name_kana", "birth_date", "postal_code", "address", "phone",
               "phone2", "car_name", "insurance_start", "insurance_end", "group_name", "agency_name",
               "agency_phone")


def write_csv(path: Path, n: int, start: int = 0, indices=None) -> None:
    """People start … start+n-1, or the given indices (make loadtest picks people whose renewal is open)."""
    import csv

    today = dt.date.today()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        for i in (range(start, start + n) if indices is None else indices):
            row = contract_row(i, today)
            out.writerow([row[c] for c in CSV_COLUMNS])


