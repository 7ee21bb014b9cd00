"""The base of every Clickar form."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import FieldList, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from . import identity, jp, matching
from .matching.phone import display_phone, phone_key


class Form(FlaskForm):
    """A Flask-WTF form without a CSRF field of its own.

    CSRFProtect (clickar.extensions) checks the token of every POST, app-wide, before
    any view runs, and every template puts `csrf_token()` into its forms. A per-form
    field would only sign a second token on each construction (on a 303 that is never
    shown) and check the same token again.
    """

    class Meta:
        csrf = False


def clean(value) -> str:
    """What a form check reads: NFKC (full-width digits and letters → ASCII) and trimmed."""
    return jp.nfkc(value).strip()


def mail_address(form, field) -> None:
    """The mail-address rule of every form: NFKC, lower case, something@domain.tld."""
    value = clean(field.data).lower()
    if not jp.is_mail_address(value):
        raise ValidationError("メールアドレスの形式が正しくありません。例：taro@example.jp")
    field.data = value


def required(message: str):
    return DataRequired(message=message)


# ------------------------------------------------------------ the identity fieldset
# Registration's お客さま情報の入力 and My Page's ご契約の追加 share these mixins (and the
# partial templates/partials/_identity_fields.html). The 証券番号 mixins are made before
# IdentityFields so that each form lists its fields, and its error summary, in page order.

class PolicyNumber:
    """One 証券番号 (ご契約の追加)."""

    policy_number = StringField("証券番号", validators=[required("証券番号を入力してください。")])

    def validate_policy_number(self, field):
        field.data = identity.normalise_policy_number(field.data)
        if not identity.is_policy_number(field.data):
            raise ValidationError(identity.POLICY_NUMBER_PROBLEM)


class PolicyNumbers:
    """Up to MAX_CONTRACTS 証券番号 (registration: 追加 adds a row)."""

    policy_numbers = FieldList(StringField("証券番号"), min_entries=1, max_entries=identity.MAX_CONTRACTS)

    def validate_policy_numbers(self, field):
        seen = set()
        problems = False
        for entry in field.entries:
            value = identity.normalise_policy_number(entry.data)
            entry.data = value
            if not value:
                entry.errors = ["証券番号を入力してください。"]
            elif not identity.is_policy_number(value):
                entry.errors = [identity.POLICY_NUMBER_PROBLEM]
            elif value in seen:
                entry.errors = ["同じ証券番号が入力されています。"]
            else:
                seen.add(value)
                continue
            problems = True
        if problems:
            raise ValidationError("")

    def policy_number_values(self) -> list[str]:
        return [identity.normalise_policy_number(e.data) for e in self.policy_numbers.entries]


# Made once, in page order; the mixins below bind them.
_NAME = StringField("氏名", validators=[required("氏名を入力してください。"),
                                      Length(max=50, message="氏名は50文字以内で入力してください。")])
_NAME_KANA = StringField("フリガナ", validators=[required("フリガナを入力してください。"),
                                             Length(max=50, message="フリガナは50文字以内で入力してください。")])
_BIRTH_DATE = StringField("生年月日", validators=[required("生年月日を入力してください。")])
_POSTAL_CODE = StringField("郵便番号", validators=[required("郵便番号を入力してください。")])
_ADDRESS = StringField("住所", validators=[required("住所を入力してください。"),
                                        Length(max=120, message="住所は120文字以内で入力してください。")])
_PHONE = StringField("電話番号", validators=[required("電話番号を入力してください。")])


class AddressPhone:
    """郵便番号・住所・電話番号 (also 住所・電話番号の変更), checked with the matching's own normalisers."""

    postal_code = _POSTAL_CODE
    address = _ADDRESS
    phone = _PHONE

    def validate_postal_code(self, field):
        value = matching.normalise_postal_code(field.data)
        if value is None:
            raise ValidationError("郵便番号は7桁の数字で入力してください。例：1608338")
        field.data = value[:3] + "-" + value[3:]

    def validate_phone(self, field):
        if phone_key(field.data) is None:  # what the matching can compare: a whole number, area code first
            raise ValidationError("電話番号は市外局番から数字で入力してください。例：03-1234-5678")
        field.data = display_phone(field.data)  # 確認 shows 06-6123-4567, not ０６－６１２３－４５６７


class IdentityFields(AddressPhone):
    """氏名・フリガナ・生年月日・郵便番号・住所・電話番号: identity.IDENTITY_FIELDS as a form."""

    name = _NAME
    name_kana = _NAME_KANA
    birth_date = _BIRTH_DATE

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

    def identity(self) -> dict:
        """What was typed, trimmed, by identity.IDENTITY_FIELDS."""
        return {name: (getattr(self, name).data or "").strip() for name in identity.IDENTITY_FIELDS}
