"""My Page top and contract detail."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from ..models import Contract, MemberContract
from ..web import render

bp = Blueprint("mypage", __name__, url_prefix="/mypage")


@bp.get("/")
@login_required
def top():
    contracts = list(current_user.contracts())
    return render("mypage/top.html", "partials/mypage/top.html", contracts=contracts, title="マイページトップ")


@bp.get("/contracts/<policy_number>/")
@login_required
def contract(policy_number: str):
    """Detail of one of the member's contracts (404 for anyone else's)."""
    row = (Contract
           .select()
           .join(MemberContract)
           .where((Contract.policy_number == policy_number)
                  & (MemberContract.member == current_user.id))
           .first())
    if row is None:
        abort(404)
    return render("mypage/contract.html", "partials/mypage/contract.html", contract=row,
                  title=f"ご契約内容（{row.car_name}）")

