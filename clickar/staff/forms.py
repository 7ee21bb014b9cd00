"""Staff login and password-reset forms (Flask-WTF)."""
from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import Form
from .accounts import MAX_PASSWORD, MIN_PASSWORD


class StaffLoginForm(Form):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"),
                                                 Length(max=254, message="メールアドレスが長すぎます。")])
    password = PasswordField("パスワード", validators=[DataRequired("パスワードを入力してください。"),
                                                 Length(max=MAX_PASSWORD, message="パスワードが長すぎます。")])


class StaffForgotForm(Form):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"),
                                                 Length(max=254, message="メールアドレスが長すぎます。")])


class StaffNewPasswordForm(Form):
    hint = f"{MIN_PASSWORD}文字以上、{MAX_PASSWORD}文字以内。"  # shown under 新しいパスワード
    password = PasswordField("新しいパスワード", validators=[
        DataRequired("新しいパスワードを入力してください。"),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=f"パスワードは{MIN_PASSWORD}文字以上、{MAX_PASSWORD}文字以内で入力してください。")])
    password_confirm = PasswordField("新しいパスワード（確認用）", validators=[
        DataRequired("確認のため、パスワードをもう一度入力してください。"),
        EqualTo("password", message="パスワードとパスワード（確認用）が一致しません。")])
