"""The demo contracts' people, as a customer would type them (tests import these)."""

PERSON = {
    "policy_numbers-0": "SJ24000101",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_year": "1970",
    "birth_month": "4",
    "birth_day": "1",
    "postal_code": "160-0023",
    "address": "東京都新宿区西新宿二丁目8番1号",
    "phone": "03-1234-5678",
    "email": "taro@example.jp",
    "password": "Clickar2026",
    "password_confirm": "Clickar2026",
}

HANAKO = {
    "policy_numbers-0": "SJ24000201",
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_year": "1985",
    "birth_month": "11",
    "birth_day": "23",
    "postal_code": "530-0001",
    "address": "大阪府大阪市北区梅田一丁目1番3号 シティタワー梅田1205号室",
    "phone": "06-6123-4567",
    "email": "hanako@example.jp",
    "password": "Hanako1985",
    "password_confirm": "Hanako1985",
}


def born(iso: str) -> dict:
    """'1970-04-02' → the 生年月日 fields as a person types them: 年 1970, 月 4, 日 2."""
    year, month, day = iso.split("-")
    return {"birth_year": year, "birth_month": str(int(month)), "birth_day": str(int(day))}
