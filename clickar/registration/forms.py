"""Registration forms (Flask-WTF). Messages are the customer's Japanese."""
from __future__ import annotations

import re

from wtforms import BooleanField, FieldList, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import matching
from ..auth.passwords import password_problem
from ..forms import Form, clean, mail_address
from .wizard import MAX_CONTRACTS

def normalise_policy_number(value: str | None) -> str:
    return re.sub(r"[\s\-‐－ー]", "", clean(value)).upper()


def required(message: str):
    return DataRequired(message=message)


class TermsForm(Form):
    agree = BooleanField("会員規定について確認しました。",
                         validators=[required("会員規定をご確認のうえ、「会員規定について確認しました。」にチェックしてください。")])


class InfoForm(Form):
    policy_numbers = FieldList(StringField("証券番号"), min_entries=1, max_entries=MAX_CONTRACTS)
    name = StringField("氏名", validators=[required("氏名を入力してください。"),
                                         Length(max=50, message="氏名は50文字以内で入力してください。")])
    name_kana = StringField("フリガナ", validators=[required("フリガナを入力してください。"),
                                                Length(max=50, message="フリガナは50文字以内で入力してください。")])
    birth_date = StringField("生年月日", validators=[required("生年月日を入力してください。")])
    postal_code = StringField("郵便番号", validators=[required("郵便番号を入力してください。")])
    address = StringField("住所", validators=[required("住所を入力してください。"),
                                           Length(max=120, message="住所は120文字以内で入力してください。")])
    phone = StringField("電話番号", validators=[required("電話番号を入力してください。")])
    email = StringField("メールアドレス", validators=[required("メールアドレスを入力してください。")])
    password = PasswordField("パスワード")
    password_confirm = PasswordField("パスワード（確認用）")

    def __init__(self, *args, password_on_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_on_file = password_on_file

    # -- field rules (first failing rule wins, as flaskr does)

    def validate_policy_numbers(self, field):
        seen = set()
        problems = False
        for entry in field.entries:
            value = normalise_policy_number(entry.data)
            entry.data = value
            if not value:
                entry.errors = ["証券番号を入力してください。"]
            elif not re.fullmatch(r"[A-Z0-9]{6,20}", value):
                entry.errors = ["証券番号は半角英数字（6〜20文字）で入力してください。"]
            elif value in seen:
                entry.errors = ["同じ証券番号が入力されています。"]
            else:
                seen.add(value)
                continue
            problems = True
        if problems:
            raise ValidationError("")

    def validate_name_kana(self, field):
        value = re.sub(r"\s+", " ", clean(field.data))
        katakana = "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in value)
        if not re.fullmatch(r"[ァ-ヶー 　]+", katakana):
            raise ValidationError("フリガナは全角カタカナで入力してください。")
        field.data = katakana

    def validate_birth_date(self, field):
        parsed = matching.parse_birth_date(field.data or "")
        if parsed is None:
            raise ValidationError("生年月日の形式が正しくありません。例：1970-04-01")
        field.data = parsed.isoformat()

    def validate_postal_code(self, field):
        value = re.sub(r"[^0-9]", "", clean(field.data))
        if len(value) != 7 or not re.fullmatch(r"[0-9〒\-‐－ー\s]+", clean(field.data)):
            raise ValidationError("郵便番号は7桁の数字で入力してください。例：1608338")
        field.data = value[:3] + "-" + value[3:]

    def validate_phone(self, field):
        raw = clean(field.data)
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("+81"):
            digits = "0" + digits[2:]
        elif digits.startswith("0081"):
            digits = "0" + digits[4:]
        if not re.fullmatch(r"[0-9+\-‐－ー()\s]+", raw) or not re.fullmatch(r"0\d{9,10}", digits):
            raise ValidationError("電話番号は市外局番から数字で入力してください。例：03-1234-5678")

    def validate_email(self, field):
        mail_address(self, field)

    def validate_password(self, field):
        if not field.data and not self.password_confirm.data and self.password_on_file:
            return  # set earlier in this wizard and not changed
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_password_confirm(self, field):
        if not field.data and not self.password.data and self.password_on_file:
            return
        if not field.data:
            raise ValidationError("確認のため、パスワードをもう一度入力してください。")
        if field.data != self.password.data:
            raise ValidationError("パスワードとパスワード（確認用）が一致しません。")

    def profile(self) -> dict:
        return {name: (getattr(self, name).data or "").strip()
                for name in ("name", "name_kana", "birth_date", "postal_code", "address", "phone", "email")}

    def policy_number_values(self) -> list[str]:
        return [normalise_policy_number(e.data) for e in self.policy_numbers.entries]


class VerifyForm(Form):
    password = PasswordField("パスワード", validators=[required("パスワードを入力してください。")])
    show_password = BooleanField("入力したパスワードを表示する")
    trust_device = BooleanField("信頼できる端末（ブラウザ等）として登録する")
