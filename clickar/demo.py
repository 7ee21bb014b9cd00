"""Demo contracts for `flask --app wsgi demo seed`: three contracts, one person with two cars.

Dates are relative to today so the demo is always inside the renewal window.
"""
from __future__ import annotations

import datetime as dt


def demo_rows(today: dt.date | None = None) -> list[dict]:
    today = today or dt.date.today()

    def term(days_to_end: int) -> tuple[dt.date, dt.date]:
        end = today + dt.timedelta(days=days_to_end)
        return end.replace(year=end.year - 1), end

    common = {"group_name": "株式会社クリックカー商事", "agency_name": "クリック保険サービス株式会社",
              "agency_phone": "03-5000-1234"}
    s1, e1 = term(40)
    s2, e2 = term(60)
    s3, e3 = term(75)
    return [
        {"policy_number": "SJ24000101", "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
         "birth_date": dt.date(1970, 4, 1), "postal_code": "160-0023",
         "address": "東京都新宿区西新宿二丁目8番1号", "phone": "03-1234-5678", "phone2": "090-1111-2222",
         "car_name": "プリウス", "insurance_start": s1, "insurance_end": e1, **common},
        {"policy_number": "SJ24000102", "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
         "birth_date": dt.date(1970, 4, 1), "postal_code": "160-0023",
         "address": "東京都新宿区西新宿二丁目8番1号", "phone": "03-1234-5678", "phone2": "090-1111-2222",
         "car_name": "N-BOX", "insurance_start": s2, "insurance_end": e2, **common},
        {"policy_number": "SJ24000201", "name": "佐藤 花子", "name_kana": "サトウ ハナコ",
         "birth_date": dt.date(1985, 11, 23), "postal_code": "530-0001",
         "address": "大阪府大阪市北区梅田一丁目1番3号 シティタワー梅田1205号室", "phone": "06-6123-4567",
         "phone2": "", "car_name": "アクア", "insurance_start": s3, "insurance_end": e3, **common},
    ]
