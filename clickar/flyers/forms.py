"""Staff console forms (Flask-WTF). Messages in the Japanese marketing reads."""
from __future__ import annotations

import datetime as dt
import re

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import Form, clean
from .campaigns import DPIS, FORMATS, SIZES_MM, TARGETS


def strip(value):
    """Names stay as typed (full-width brackets and all), only trimmed."""
    return value.strip() if isinstance(value, str) else value


def _date(value: str | None) -> dt.date | None:
    """2026-04-01, 2026/4/1 or ２０２６年４月１日 → a date; None when unreadable."""
    text = clean(value)
    match = re.fullmatch(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?", text)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


class CampaignForm(Form):
    name = StringField("キャンペーン名", filters=[strip], validators=[
        DataRequired("キャンペーン名を入力してください。"),
        Length(max=100, message="キャンペーン名は100文字以内で入力してください。")])
    target = StringField("二次元コードの行き先")  # radios drawn from campaigns.TARGETS
    label = StringField("団体名・配布グループ", filters=[strip], validators=[
        Optional(), Length(max=100, message="団体名・配布グループは100文字以内で入力してください。")])
    agency_name = StringField("取扱代理店名（チラシに印刷）", filters=[strip], validators=[
        Optional(), Length(max=100, message="取扱代理店名は100文字以内で入力してください。")])
    agency_phone = StringField("取扱代理店の電話番号（チラシに印刷）", filters=[clean], validators=[Optional()])
    valid_from = StringField("配布開始日", validators=[DataRequired("配布開始日を入力してください。")])
    valid_until = StringField("有効期限（この日まで有効）")

    def validate_target(self, field):
        if field.data not in TARGETS:
            raise ValidationError("二次元コードの行き先を選んでください。")

    def validate_agency_phone(self, field):
        if field.data and not re.fullmatch(r"[0-9][0-9\-]{8,14}[0-9]", field.data):
            raise ValidationError("電話番号は半角数字とハイフンで入力してください（例：03-1234-5678）。")

    def validate_valid_from(self, field):
        if _date(field.data) is None:
            raise ValidationError("配布開始日は「2026-04-01」のように正しい日付で入力してください。")

    def validate_valid_until(self, field):
        if not (field.data or "").strip():
            return
        until = _date(field.data)
        if until is None:
            raise ValidationError("有効期限は「2027-03-31」のように正しい日付で入力してください。")
        start = _date(self.valid_from.data)
        if start is not None and until < start:
            raise ValidationError("有効期限は配布開始日と同じ日か、それより後の日付にしてください。")

    def campaign_data(self) -> dict:
        until = (self.valid_until.data or "").strip()
        return {
            "name": self.name.data,
            "target": self.target.data,
            "label": self.label.data or "",
            "agency_name": self.agency_name.data or "",
            "agency_phone": self.agency_phone.data or "",
            "valid_from": _date(self.valid_from.data),
            "valid_until": _date(until) if until else None,
        }


class QrDownloadForm(Form):
    """The GET form on the campaign page: format, printed size, resolution, logo."""

    FORMAT_CHOICES = (("svg", "SVG（ベクター・印刷会社向け）"), ("png", "PNG（画像）"), ("pdf", "PDF（原寸・ベクター）"))
    DPI_CHOICES = tuple((str(d), f"{d} dpi") for d in DPIS)

    format = StringField("形式", default="svg")
    size = StringField("印刷サイズ（mm・余白込み）", default="25")
    dpi = StringField("解像度（PNG）", default="300")
    logo = BooleanField("中央にロゴを入れる（誤り訂正レベルを上げます）")

    def validate_format(self, field):
        if field.data not in FORMATS:
            raise ValidationError("形式を選んでください。")

    def validate_size(self, field):
        text = clean(field.data)
        try:
            value = float(text)
        except ValueError:
            raise ValidationError("印刷サイズは半角数字（mm）で入力してください。") from None
        if not (min(SIZES_MM) <= value <= max(SIZES_MM)):
            raise ValidationError(f"印刷サイズは{min(SIZES_MM)}〜{max(SIZES_MM)}mmの範囲で入力してください。")

    def validate_dpi(self, field):
        if field.data not in {str(d) for d in DPIS}:
            raise ValidationError("解像度を選んでください。")

    def size_mm(self) -> float:
        return round(float(clean(self.size.data)), 1)
