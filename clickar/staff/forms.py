"""Staff login form (Flask-WTF)."""
from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form


class StaffLoginForm(Form):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"),
                                                 Length(max=254, message="メールアドレスが長すぎます。")])
    password = PasswordField("パスワード", validators=[DataRequired("パスワードを入力してください。"),
                                                 Length(max=128, message="パスワードが長すぎます。")])
