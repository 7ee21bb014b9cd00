"""Help while typing the identity fieldset: 郵便番号 → 住所, and the 和暦 beside 生年月日's 年.

`fill_address` is the one rule (no Flask): it fills 住所 with 都道府県+市区町村+町域 only
when 住所 is empty or still holds the previous lookup's text, so what the person typed is
never overwritten; a code naming several towns offers them, it never guesses. The
blueprint answers htmx (the partial that replaces the 住所 block, or the 和暦 line) and
plain GETs (JSON). Without JavaScript the forms' 住所を検索 button posts the whole form and
the view calls `fill_address` itself (registration's info step, My Page's ご契約の追加).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, jsonify, render_template, request
from markupsafe import escape

from . import jp, matching
from .auth import limits
from .forms import AddressPhone, Form
from .web import is_htmx

bp = Blueprint("lookup", __name__, url_prefix="/mypage/lookup")

NOT_FOUND = "この郵便番号の住所が見つかりませんでした。郵便番号をご確認のうえ、住所を入力してください。"
BAD_CODE = "郵便番号は7桁の数字で入力してください。例：1608338"
FILLED = "住所の途中まで入力しました。続けて番地・建物名を入力してください。"
CHOOSE = "この郵便番号には複数の地域があります。あてはまるものを選んでください。"
KEPT = "入力済みの住所はそのままにしています。"
LIMITED = "住所の検索が混み合っています。しばらくしてから、もう一度お試しください。"


class _AddressForm(AddressPhone, Form):
    """住所 alone, to render the 住所 block an htmx lookup answers with."""


@dataclass
class AddressFill:
    """What the 住所 block shows after a lookup."""

    address: str              # 住所's new value (what was typed, unless a lookup may replace it)
    lookup: str = ""          # the lookup text 住所 holds now ('' when it holds the person's own)
    choices: list[str] = field(default_factory=list)  # several towns: the person picks one
    message: str = ""         # one sentence next to 郵便番号/住所 (role=status)
    error: bool = False       # the message is a problem (unknown or malformed code)


def fill_address(postal_code: str | None, address: str | None, previous: str | None = "",
                 pick: str | None = None) -> AddressFill:
    """The 住所 after looking up `postal_code`; `previous` is the text the last lookup put in
    住所 (a hidden field), `pick` the town chosen among several."""
    address = address or ""
    previous = previous or ""
    replaceable = not address.strip() or address == previous
    keep = AddressFill(address, previous if address == previous else "")
    if matching.normalise_postal_code(postal_code) is None:
        return AddressFill(keep.address, keep.lookup, message=BAD_CODE, error=True)
    found = matching.postal_addresses(postal_code)
    if not found:
        return AddressFill(keep.address, keep.lookup, message=NOT_FOUND, error=True)
    if pick in found:
        found = [pick]
    if len(found) > 1:
        return AddressFill(keep.address, keep.lookup, choices=found, message=CHOOSE)
    if not replaceable:
        return AddressFill(address, "", message=f"{KEPT}（検索結果：{found[0]}）")
    return AddressFill(found[0], found[0], message=FILLED)


def fill_form(form, pick: str | None = None) -> AddressFill:
    """住所を検索 without JavaScript: fill the posted identity form's 住所 (forms.IdentityFields)."""
    fill = fill_address(form.postal_code.data, form.address.data, form.address_lookup.data, pick)
    form.address.data, form.address_lookup.data = fill.address, fill.lookup
    return fill


def wants_lookup(posted) -> bool:
    """The post is 住所を検索 (or a town picked among several), not 次へ / 追加."""
    return posted.get("action") == "postal" or "address_pick" in posted


def _client_allowed() -> bool:
    return limits.allowed_once("lookup-client", limits.client_address())


@bp.get("/postal")
def postal():
    """?postal_code=1600023&address=…&address_lookup=…[&address_pick=…]: htmx gets the 住所
    block (204 while the code is still being typed), anyone else JSON."""
    args = request.args
    code = args.get("postal_code", "")
    if not is_htmx():
        if not _client_allowed():
            return jsonify(error=LIMITED), 429
        key = matching.normalise_postal_code(code)
        return jsonify(postal_code=key[:3] + "-" + key[3:] if key else None,
                       addresses=matching.postal_addresses(code))
    pick = args.get("address_pick")
    if pick is None and matching.normalise_postal_code(code) is None and len(re.sub(r"\D", "", jp.nfkc(code))) < 7:
        return "", 204  # still typing
    if not _client_allowed():
        fill = AddressFill(args.get("address", ""), args.get("address_lookup", ""), message=LIMITED, error=True)
    else:
        fill = fill_address(code, args.get("address", ""), args.get("address_lookup", ""), pick)
    return _address_block(fill)


def _address_block(fill: AddressFill):
    form = _AddressForm(formdata=None, data={"address": fill.address})
    html = render_template("partials/_address_lookup.html", form=form, fill=fill, response=True)
    return html, 200, {"Vary": "HX-Request", "Cache-Control": "no-store"}


@bp.get("/era")
def era():
    """?birth_year=S45 → the line beside 年 (昭和45年（1970年）); htmx swaps it in."""
    if not _client_allowed():
        return "", 204
    text = matching.era_year_text(request.args.get("birth_year", ""))
    return str(escape(text)), 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
