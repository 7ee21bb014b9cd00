"""Login forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"),
                                                 Length(max=254, message="メールアドレスが長すぎます。")])
    password = PasswordField("パスワード", validators=[DataRequired("パスワードを入力してください。"),
                                                 Length(max=128, message="パスワードが長すぎます。")])
    show_password = BooleanField("入力したパスワードを表示する")


class OtpForm(FlaskForm):
    code = StringField("ワンタイムパスワード", validators=[DataRequired("ワンタイムパスワードを入力してください。"),
                                                  Length(max=20, message="6桁の数字を入力してください。")])
    trust_device = BooleanField("信頼できる端末（ブラウザ等）として登録する")
