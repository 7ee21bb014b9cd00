"""Match-check throughput: `python -m bench.matching [N]`.

`bench(n)` times `matches()` against precomputed normal forms (as registration
does after its one indexed lookup) over a mix of typings, half of which do not
match, and returns matches per second and microseconds per match (wall clock, and
CPU time of this process, which a busy machine does not inflate)."""

from __future__ import annotations

import json
import sys
import time

from clickar.matching import contract_normal_form, match_check_lines, matches

_CONTRACTS = [
    {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-04-01",
     "postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号 新宿ビル1203号室",
     "phone": "03-1234-5678", "phone2": "090-1111-2222"},
    {"name": "髙橋 﨑子", "name_kana": "タカハシ サキコ", "birth_date": "1961-08-08",
     "postal_code": "060-0001", "address": "北海道札幌市中央区北一条西二丁目1番地1",
     "phone": "011-222-3333", "phone2": ""},
    {"name": "渡邊 一郎", "name_kana": "ワタナベ イチロウ", "birth_date": "1990-01-08",
     "postal_code": "100-0013", "address": "東京都千代田区霞が関三丁目2番5号",
     "phone": "080-4444-5555", "phone2": None},
]
_ENTERED = [
    {"name": "山田太郎", "name_kana": "やまだ たろう", "birth_date": "昭和55年4月1日",
     "postal_code": "1600023", "address": "新宿区西新宿2-8-1", "phone": "（０３）１２３４－５６７８"},
    {"name": "山田太郎", "name_kana": "", "birth_date": "1980/4/1", "postal_code": "160-0023",
     "address": "東京都新宿区西新宿２丁目８−１ 新宿ビル1204号室", "phone": "+81 90 1111 2222"},
    {"name": "高橋崎子", "name_kana": "ﾀｶﾊｼ ｻｷｺ", "birth_date": "S36.8.8", "postal_code": "0600001",
     "address": "札幌市中央区北1条西2-1-1", "phone": "011(222)3333"},
    {"name": "高橋崎子", "name_kana": "タカハシサキコ", "birth_date": "S36.8.9", "postal_code": "0600001",
     "address": "札幌市中央区北1条西2-1-1", "phone": "011-222-3333"},
    {"name": "渡辺一郎", "name_kana": "わたなべいちろう", "birth_date": "平成2年1月8日",
     "postal_code": "100-0013", "address": "千代田区霞ケ関3-2-5", "phone": "0081-80-4444-5555"},
    {"name": "渡辺一郎", "name_kana": "", "birth_date": "1990-01-08",
     "postal_code": "100-0013", "address": "千代田区霞ケ関3-2-6", "phone": "080-4444-5555"},
]


def bench(n: int = 20000) -> dict:
    forms = [contract_normal_form(c) for c in _CONTRACTS]
    pairs = [(forms[i // 2], e) for i, e in enumerate(_ENTERED)]
    expected = [matches(f, e) for f, e in pairs]
    assert expected == [True, False, True, False, True, False], expected
    k = len(pairs)
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(n):
        f, e = pairs[i % k]
        matches(f, e)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    lines = [json.dumps({"id": i, "contract": _CONTRACTS[i // 2], "entered": e}, ensure_ascii=False)
             for i, e in enumerate(_ENTERED)]
    m = max(1, n // 10)
    start = time.perf_counter()
    for _ in match_check_lines(lines[i % k] for i in range(m)):
        pass
    cli_seconds = time.perf_counter() - start
    return {
        "n": n,
        "seconds": round(seconds, 4),
        "matches_per_second": round(n / seconds),
        "us_per_match": round(seconds / n * 1e6, 2),
        "cpu_us_per_match": round(cpu_seconds / n * 1e6, 2),
        "match_check_lines_per_second": round(m / cli_seconds),
    }


if __name__ == "__main__":
    print(json.dumps(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)))
