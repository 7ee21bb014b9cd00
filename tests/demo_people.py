"""The demo contracts' people, as a customer would type them (tests import these)."""

PERSON = {
    "policy_numbers-0": "SJ24000101",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_date": "1970-04-01",
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
    "birth_date": "1985-11-23",
    "postal_code": "530-0001",
    "address": "大阪府大阪市北区梅田一丁目1番3号 シティタワー梅田1205号室",
    "phone": "06-6123-4567",
    "email": "hanako@example.jp",
    "password": "Hanako1985",
    "password_confirm": "Hanako1985",
}
