"""The letter's short registration: 生年月日, mail address, password ×2 (and the 会員規定)."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField

from ..forms import BirthDate, Form, required
from ..registration.forms import EmailRule, InfoForm, TermsForm


class InviteForm(EmailRule, BirthDate, Form):
    email = StringField("メールアドレス", validators=[required("メールアドレスを入力してください。")])
    email_checked = HiddenField()
    password = PasswordField("パスワード")
    password_confirm = PasswordField("パスワード（確認用）")
    agree = TermsForm.agree
    password_on_file = False
    validate_password = InfoForm.validate_password
    validate_password_confirm = InfoForm.validate_password_confirm


class BatchForm(Form):
    group_name = StringField("団体名")
    policy_numbers = TextAreaField("証券番号リスト（1行に1件、またはカンマ区切り）")


class RevokeForm(Form):
    confirm = BooleanField("取り消す")
