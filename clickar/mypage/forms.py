"""My Page forms. Field rules are registration's own (same words, same checks)."""
from __future__ import annotations

import re

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form
from ..registration.forms import InfoForm, normalise_policy_number, required


class AddContractForm(Form):
    """ご契約の追加: 証券番号 and the holder's details, checked like registration."""

    policy_number = StringField("証券番号", validators=[required("証券番号を入力してください。")])
    name = StringField("氏名", validators=[required("氏名を入力してください。"),
                                         Length(max=50, message="氏名は50文字以内で入力してください。")])
    name_kana = StringField("フリガナ", validators=[required("フリガナを入力してください。"),
                                                Length(max=50, message="フリガナは50文字以内で入力してください。")])
    birth_date = StringField("生年月日", validators=[required("生年月日を入力してください。")])
    postal_code = StringField("郵便番号", validators=[required("郵便番号を入力してください。")])
    address = StringField("住所", validators=[required("住所を入力してください。"),
                                           Length(max=120, message="住所は120文字以内で入力してください。")])
    phone = StringField("電話番号", validators=[required("電話番号を入力してください。")])

    validate_name_kana = InfoForm.validate_name_kana
    validate_birth_date = InfoForm.validate_birth_date
    validate_postal_code = InfoForm.validate_postal_code
    validate_phone = InfoForm.validate_phone

    def validate_policy_number(self, field):
        value = normalise_policy_number(field.data)
        field.data = value
        if not re.fullmatch(r"[A-Z0-9]{6,20}", value):
            raise ValidationError("証券番号は半角英数字（6〜20文字）で入力してください。")

    def profile(self) -> dict:
        return {name: (getattr(self, name).data or "").strip()
                for name in ("name", "name_kana", "birth_date", "postal_code", "address", "phone")}


class ChangeForm(Form):
    """住所・電話番号の変更のお申し出."""

    postal_code = StringField("郵便番号", validators=[required("郵便番号を入力してください。")])
    address = StringField("住所", validators=[required("住所を入力してください。"),
                                           Length(max=120, message="住所は120文字以内で入力してください。")])
    phone = StringField("電話番号", validators=[required("電話番号を入力してください。")])

    validate_postal_code = InfoForm.validate_postal_code
    validate_phone = InfoForm.validate_phone


class WithdrawForm(Form):
    understood = BooleanField("退会すると、マイページにログインできなくなることを確認しました。",
                              validators=[DataRequired("退会される場合は、確認のチェックを入れてください。")])
    password = PasswordField("パスワード", validators=[required("パスワードを入力してください。")])
