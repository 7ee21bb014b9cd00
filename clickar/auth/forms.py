"""Login and account-security forms."""
from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form, mail_address
from .passwords import password_problem


class LoginForm(Form):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"),
                                                 Length(max=254, message="メールアドレスが長すぎます。")])
    password = PasswordField("パスワード", validators=[DataRequired("パスワードを入力してください。"),
                                                 Length(max=128, message="パスワードが長すぎます。")])
    show_password = BooleanField("入力したパスワードを表示する")


class OtpForm(Form):
    code = StringField("ワンタイムパスワード", validators=[DataRequired("ワンタイムパスワードを入力してください。"),
                                                  Length(max=20, message="6桁の数字を入力してください。")])
    trust_device = BooleanField("信頼できる端末（ブラウザ等）として登録する")


class ForgotForm(Form):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"), mail_address])


class NewPasswordMixin:
    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_password_confirm(self, field):
        if not field.data:
            raise ValidationError("確認のため、パスワードをもう一度入力してください。")
        if field.data != self.password.data:
            raise ValidationError("パスワードとパスワード（確認用）が一致しません。")


class ResetForm(NewPasswordMixin, Form):
    password = PasswordField("新しいパスワード")
    password_confirm = PasswordField("新しいパスワード（確認用）")


class NewPasswordForm(NewPasswordMixin, Form):
    """本登録 through a new-password link (registration): the new password twice."""
    password = PasswordField("新しいパスワード")
    password_confirm = PasswordField("新しいパスワード（確認用）")
    trust_device = BooleanField("信頼できる端末（ブラウザ等）として登録する")


class PasswordChangeForm(NewPasswordMixin, Form):
    current = PasswordField("現在のパスワード", validators=[DataRequired("現在のパスワードを入力してください。")])
    password = PasswordField("新しいパスワード")
    password_confirm = PasswordField("新しいパスワード（確認用）")


class EmailChangeForm(Form):
    email = StringField("新しいメールアドレス", validators=[DataRequired("新しいメールアドレスを入力してください。"), mail_address])
    current = PasswordField("現在のパスワード", validators=[DataRequired("現在のパスワードを入力してください。")])


class AuthenticatorForm(Form):
    code = StringField("認証アプリに表示された6桁の数字",
                       validators=[DataRequired("認証アプリに表示された6桁の数字を入力してください。"),
                                   Length(max=20, message="6桁の数字を入力してください。")])
    current = PasswordField("現在のパスワード", validators=[DataRequired("現在のパスワードを入力してください。")])


class ConfirmPasswordForm(Form):
    current = PasswordField("現在のパスワード", validators=[DataRequired("現在のパスワードを入力してください。")])
