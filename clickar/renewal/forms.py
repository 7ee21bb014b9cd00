"""Renewal forms (Flask-WTF). Messages are the customer's Japanese."""
from __future__ import annotations

from wtforms import BooleanField, RadioField
from wtforms.validators import DataRequired

from ..forms import Form
from . import rating

try:  # WTForms ≥ 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def _radio(item: str) -> RadioField:
    choices = list(rating.OPTIONS[item])
    if SelectChoice is not None:
        choices = [SelectChoice(value, label) for value, label in choices]
    # validate_choice=False: OptionsForm.validate() checks codes with rating.normalise_options
    return RadioField(rating.ITEM_LABELS[item], choices=choices, validate_choice=False)


class OptionsForm(Form):
    driver_scope = _radio("driver_scope")
    driver_age = _radio("driver_age")
    vehicle = _radio("vehicle")
    deductible = _radio("deductible")
    purpose = _radio("purpose")
    mileage = _radio("mileage")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        try:
            rating.normalise_options(self.options())
        except rating.RatingError as err:
            getattr(self, err.item).errors = [err.message]
            ok = False
        return ok

    def options(self) -> dict:
        return {item: (getattr(self, item).data or "") for item in rating.ITEMS}


class DisclosureForm(Form):
    read_disclosure = BooleanField(
        "重要事項説明書の内容を確認しました。",
        validators=[DataRequired("重要事項説明書をお読みのうえ、「重要事項説明書の内容を確認しました。」にチェックしてください。")])
    intent_confirmed = BooleanField(
        "更新後のご契約内容が、私の意向に沿っていることを確認しました。",
        validators=[DataRequired("意向確認の内容をご確認のうえ、「更新後のご契約内容が、私の意向に沿っていることを確認しました。」にチェックしてください。")])
