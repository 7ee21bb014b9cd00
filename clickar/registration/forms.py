"""Registration forms (Flask-WTF). Messages are the customer's Japanese."""
from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import ValidationError

from ..auth.passwords import password_problem
from ..forms import Form, IdentityFields, PolicyNumbers, mail_address, required


class TermsForm(Form):
    agree = BooleanField("会員規定について確認しました。",
                         validators=[required("会員規定をご確認のうえ、「会員規定について確認しました。」にチェックしてください。")])


class InfoForm(PolicyNumbers, IdentityFields, Form):
    """お客さま情報の入力: 証券番号 (up to five), the identity fieldset, then the login details."""

    email = StringField("メールアドレス", validators=[required("メールアドレスを入力してください。")])
    password = PasswordField("パスワード")
    password_confirm = PasswordField("パスワード（確認用）")

    def __init__(self, *args, password_on_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_on_file = password_on_file

    # -- field rules (first failing rule wins, as flaskr does); the identity fields' are forms.IdentityFields'

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
        return {**self.identity(), "email": (self.email.data or "").strip()}


class VerifyForm(Form):
    password = PasswordField("パスワード", validators=[required("パスワードを入力してください。")])
    show_password = BooleanField("入力したパスワードを表示する")
    trust_device = BooleanField("信頼できる端末（ブラウザ等）として登録する")

