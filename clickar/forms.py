"""The base of every Clickar form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from . import jp


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
