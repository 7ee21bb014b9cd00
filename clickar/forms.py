"""The base of every Clickar form."""
from __future__ import annotations

import datetime as dt
import re

from flask_wtf import FlaskForm
from wtforms import FieldList, HiddenField, StringField
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
_BIRTH_YEAR, _BIRTH_MONTH, _BIRTH_DAY = StringField("年"), StringField("月"), StringField("日")
_POSTAL_CODE = StringField("郵便番号", validators=[required("郵便番号を入力してください。")])
_ADDRESS = StringField("住所", validators=[required("住所を入力してください。"),
                                        Length(max=120, message="住所は120文字以内で入力してください。")])
_PHONE = StringField("電話番号", validators=[required("電話番号を入力してください。")])


# ------------------------------------------------------------ 生年月日 (memorable date)
BIRTH_YEAR_EXAMPLE = "例：1970、S45、昭和45"
OLDEST_BIRTH_YEAR = 1900
BIRTH_PARTS = ("birth_year", "birth_month", "birth_day")


def birth_date_problem(year: str, month: str, day: str, today: dt.date | None = None):
    """('year'|'month'|'day', message) for what is wrong with 年・月・日 as typed, or (None, date).

    The message says what is wrong (a missing part, no such day, a future day), next to the
    part it is about; examples use the hint's own format."""
    year, month, day = clean(year), clean(month), clean(day)
    if not (year or month or day):
        return "year", "生年月日を入力してください。"
    for part, value, word in (("year", year, "年"), ("month", month, "月"), ("day", day, "日")):
        if not value:
            return part, f"生年月日の「{word}」を入力してください。"
    y = matching.parse_year(year)
    if y is None:
        return "year", f"年は西暦4桁または和暦で入力してください。{BIRTH_YEAR_EXAMPLE}"
    m = int(month) if month.isdigit() else 0
    if not 1 <= m <= 12:
        return "month", "月は1〜12の数字で入力してください。例：4"
    d = int(day) if day.isdigit() else 0
    if not 1 <= d <= 31:
        return "day", "日は1〜31の数字で入力してください。例：1"
    try:
        born = dt.date(y, m, d)
    except ValueError:
        return "day", f"{m}月{d}日は存在しない日付です。日付をご確認ください。"
    if born > (today or jp.today()):
        return "year", "生年月日が未来の日付です。年をご確認ください。"
    if y < OLDEST_BIRTH_YEAR:
        return "year", f"{OLDEST_BIRTH_YEAR}年より前の年は入力できません。年をご確認ください。"
    return None, born


class BirthDate:
    """生年月日 as three fields 年・月・日 (birth_year, birth_month, birth_day); 年 takes 和暦 too.

    Shown by templates/partials/_birth_date.html. `birth_date_iso()` is the date after
    validate(); data={"birth_date": "1970-04-01"} fills the three fields."""

    birth_year = _BIRTH_YEAR
    birth_month = _BIRTH_MONTH
    birth_day = _BIRTH_DAY

    def process(self, formdata=None, obj=None, data=None, **kwargs):
        if data and data.get("birth_date") and not data.get("birth_year"):
            try:
                born = dt.date.fromisoformat(str(data["birth_date"]))
            except ValueError:
                pass
            else:
                data = {**data, "birth_year": str(born.year), "birth_month": str(born.month),
                        "birth_day": str(born.day)}
        super().process(formdata, obj, data=data, **kwargs)

    def _birth_problem(self, part: str) -> None:
        where, result = birth_date_problem(self.birth_year.data, self.birth_month.data, self.birth_day.data)
        if where == part:
            raise ValidationError(result)

    def validate_birth_year(self, field):
        self._birth_problem("year")

    def validate_birth_month(self, field):
        self._birth_problem("month")

    def validate_birth_day(self, field):
        self._birth_problem("day")

    def birth_date_iso(self) -> str:
        """1970-04-01 when 年・月・日 make a good date, else ''."""
        where, result = birth_date_problem(self.birth_year.data, self.birth_month.data, self.birth_day.data)
        return result.isoformat() if where is None else ""

    def birth_parts(self) -> dict:
        """年・月・日 as typed (kept across re-display, e.g. S45)."""
        return {name: (getattr(self, name).data or "").strip() for name in BIRTH_PARTS}

    def birth_era(self) -> str:
        """The 和暦 (or western year) shown beside 年, as typed: 1970 → 昭和45年."""
        return matching.era_year_text(self.birth_year.data)


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


class IdentityFields(BirthDate, AddressPhone):
    """氏名・フリガナ・生年月日・郵便番号・住所・電話番号: identity.IDENTITY_FIELDS as a form."""

    name = _NAME
    name_kana = _NAME_KANA
    address_lookup = HiddenField()  # the text a 郵便番号 lookup put in 住所 (clickar.lookup)

    def validate_name_kana(self, field):
        value = re.sub(r"\s+", " ", clean(field.data))
        katakana = "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in value)
        if not re.fullmatch(r"[ァ-ヶー 　]+", katakana):
            raise ValidationError("フリガナは全角カタカナで入力してください。")
        field.data = katakana

    def identity(self) -> dict:
        """What was typed, trimmed, by identity.IDENTITY_FIELDS (birth_date: 1970-04-01 or '')."""
        return {name: self.birth_date_iso() if name == "birth_date" else (getattr(self, name).data or "").strip()
                for name in identity.IDENTITY_FIELDS}
