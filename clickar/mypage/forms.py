"""My Page forms. The identity fields and their rules are registration's own (clickar.forms)."""
from __future__ import annotations

from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from ..forms import AddressPhone, Form, IdentityFields, PolicyNumber, required


class AddContractForm(PolicyNumber, IdentityFields, Form):
    """ご契約の追加: 証券番号 and the identity fieldset, checked like registration."""

    def profile(self) -> dict:
        return self.identity()


class ChangeForm(AddressPhone, Form):
    """住所・電話番号の変更のお申し出."""


class WithdrawForm(Form):
    understood = BooleanField("退会すると、マイページにログインできなくなることを確認しました。",
                              validators=[DataRequired("退会される場合は、確認のチェックを入れてください。")])
    password = PasswordField("パスワード", validators=[required("パスワードを入力してください。")])
