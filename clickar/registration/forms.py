"""Registration forms (Flask-WTF). Messages are the customer's Japanese."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import ValidationError

from ..auth.passwords import password_problem
from ..forms import Form, IdentityFields, PolicyNumbers, mail_address, required

# Domains most people here type (carrier mail, Gmail, Yahoo!, iCloud): a near miss of one
# of them gets a "did you mean" hint (issue 19 item 6).
COMMON_DOMAINS = ("docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp",
                  "gmail.com", "yahoo.co.jp", "ymail.ne.jp", "icloud.com", "me.com", "outlook.jp",
                  "outlook.com", "hotmail.com")


def suggest_email(address: str) -> str | None:
    """taro@docomo.ne.jo → taro@docomo.ne.jp; None when the domain is common or not near one."""
    import difflib

    local, _, domain = address.rpartition("@")
    if not local or domain in COMMON_DOMAINS:
        return None
    close = difflib.get_close_matches(domain, COMMON_DOMAINS, n=1, cutoff=0.8)
    return f"{local}@{close[0]}" if close else None


class EmailRule:
    """The mail address rule, with its "did you mean docomo.ne.jp?" hint (info step and 修正)."""

    email_suggestion = None
    email_suggested = HiddenField()  # posted only by the 「…」に修正する button under the hint

    def validate_email(self, field):
        if self.email_suggested.data and self.email_suggested.data == suggest_email((field.data or "").strip()):
            field.data = self.email_suggested.data  # one tap instead of retyping on a phone
        mail_address(self, field)
        value = field.data
        self.email_suggestion = suggest_email(value)
        if self.email_suggestion and self.email_checked.data != value:
            # once: 次へ again with the same address goes on (it may be right)
            raise ValidationError(f"メールアドレスをご確認ください。「{self.email_suggestion}」の誤りではありませんか？"
                                  "正しい場合は、そのまま「次へ」を押してください。")


class TermsForm(Form):
    agree = BooleanField("会員規定について確認しました。",
                         validators=[required("会員規定をご確認のうえ、「会員規定について確認しました。」にチェックしてください。")])


class InfoForm(EmailRule, PolicyNumbers, IdentityFields, Form):
    """お客さま情報の入力: 証券番号 (up to five), the identity fieldset, then the login details."""

    email = StringField("メールアドレス", validators=[required("メールアドレスを入力してください。")])
    email_checked = HiddenField()  # the address already shown with a "did you mean" hint
    password = PasswordField("パスワード")
    password_confirm = PasswordField("パスワード（確認用）")

    def __init__(self, *args, password_on_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_on_file = password_on_file

    # -- field rules (first failing rule wins, as flaskr does); the identity fields' are forms.IdentityFields'

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
        return {**self.identity(), **self.birth_parts(), "email": (self.email.data or "").strip()}


class VerifyForm(Form):
    password = PasswordField("パスワード", validators=[required("パスワードを入力してください。")])
    show_password = BooleanField("入力したパスワードを表示する")
    trust_device = BooleanField("信頼できる端末（ブラウザ等）として登録する")



class EmailFixForm(EmailRule, Form):
    """仮登録受付 → メールアドレスを修正する."""
    email = StringField("正しいメールアドレス", validators=[required("メールアドレスを入力してください。")])
    email_checked = HiddenField()
