"""The letter's URL /I/TOKEN (/i/token): a short registration; the admins' console under /staff/invitations."""
from __future__ import annotations

import datetime as dt
import secrets

from flask import Blueprint, Response, abort, current_app, g, request, stream_with_context, url_for
from peewee import IntegrityError

from ..auth import limits
from ..auth.passwords import hash_password
from ..flyer_words import STEPS
from ..models import Invitation, InvitationBatch, StaffAudit
from ..registration import wizard
from ..staff.guard import admin_required, guard
from ..web import hx_redirect, is_htmx, local_path, render, see_other
from . import core, letters
from .forms import BatchForm, InviteForm

bp = Blueprint("invitations", __name__)

TITLES = {"open": "かんたん会員登録", "registered": "すでにご登録済みです",
          "gone": "このURLはご利用いただけません", "sent": STEPS[7]}


def _page(state: str, status: int = 200, **ctx):
    response = render("invitations/letter.html", "partials/invitations/letter.html", status=status,
                      state=state, title=TITLES[state], **ctx)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token never leaves in a Referer
    return response


def _lookup(token: str):
    """Counted per client and per letter (its hash, never the token) before any query.
    A malformed one is refused without a query: per client only (one shared bucket for all
    of them let 30 requests from anywhere turn every mistyped URL into 429 for an hour)."""
    value = core.normalise(token)
    events = [("invite-client", limits.client_address())]
    if value is not None:
        events.append(("invite-token", core.hash_of(value)))
    limits.hit_all(events)
    return core.lookup(value)


def masked(invitation: Invitation) -> dict:
    contract = invitation.contract
    family = contract.name.replace("\u3000", " ").split(" ")[0]
    return {"name": f"{family} 様", "car": contract.car_name, "end": contract.insurance_end}


def _verify_url(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("registration.verify_form", token=token)


@bp.get("/I/<token>")
@bp.get("/i/<token>")
def letter(token: str):
    state, invitation = _lookup(token)
    if state != "open":
        return _page(state, 200 if state == "registered" else 404)
    core.mark(invitation, Invitation.scanned_at)
    return _page("open", form=InviteForm(formdata=None), contract=masked(invitation), token=token)


def _gone_after_post():
    """The one page of a letter that no longer works. htmx swaps no 404 (base.html's
    responseHandling), so a phone that posted is sent to the letter's URL, which shows it."""
    if not is_htmx():
        return _page("gone", 404)
    # as ASCII; a line break or backslash in it (a 500, a raw header) → the path url_for builds
    return hx_redirect(local_path(request.path) or url_for("invitations.letter", token=request.view_args["token"]))


@bp.post("/I/<token>")
@bp.post("/i/<token>")
def letter_submit(token: str):
    state, invitation = _lookup(token)
    if state != "open":
        return _page(state) if state == "registered" else _gone_after_post()
    core.mark(invitation, Invitation.started_at)
    form = InviteForm()
    contract = masked(invitation)
    if not form.validate():
        return _page("open", 422, form=form, contract=contract, token=token)
    born = dt.date.fromisoformat(form.birth_date_iso())
    if not core.birth_date_matches(invitation, born):
        state, invitation = core.lookup(token)
        if state != "open":  # the fifth miss: the letter is locked, the normal route remains
            return _gone_after_post()
        form.birth_year.errors = ["生年月日がご契約情報と一致しません。入力内容をご確認ください。"]
        return _page("open", 422, form=form, contract=contract, token=token)
    password_hash = hash_password(form.password.data)
    try:
        wizard.make_pending("inv-" + secrets.token_urlsafe(16), form.email.data,
                            password_hash, [invitation.contract.policy_number], _verify_url,
                            before_mail=lambda: core.use(invitation))
    except (core.Used, IntegrityError):
        return _gone_after_post()
    return _page("sent", email=form.email.data.strip().lower())


# ==================================================================== /staff/invitations

staff = guard(Blueprint("invitations_staff", __name__, url_prefix="/staff/invitations"))


def _console(status: int = 200, **ctx):
    audits = (StaffAudit.select().where(StaffAudit.action.startswith("invitation_"))
              .order_by(StaffAudit.at.desc()).limit(50))
    rows = [(b, core.funnel(b)) for b in core.batches()]
    return render("invitations/console.html", "partials/invitations/console.html", status=status,
                  title="招待状（個人別QR）", rows=rows, audits=audits,
                  form=ctx.pop("form", None) or BatchForm(formdata=None), **ctx)


@staff.get("/")
def console():
    return _console()


@staff.post("/")
@admin_required
def create():
    form = BatchForm()
    if not form.validate():
        return _console(422, form=form)
    group = (form.group_name.data or "").strip()
    numbers = (form.policy_numbers.data or "").replace(",", "\n").splitlines()
    if not group and not any(n.strip() for n in numbers):
        form.group_name.errors = ["団体名または証券番号リストを入力してください。"]
        return _console(422, form=form)
    contracts, skipped = core.choose(group, numbers)
    core.create_batch(g.staff.email, group or "証券番号リスト", contracts, skipped)
    return see_other("invitations_staff.console")


def _batch(batch_id: int) -> InvitationBatch:
    batch = InvitationBatch.get_or_none(InvitationBatch.id == batch_id)
    if batch is None:
        abort(404)
    return batch


def _pdf(batch: InvitationBatch, issued, base_url: str):
    """The font is made from the batch's open letters (read once, row by row) before any token."""
    def contracts():  # queried when the response starts, not in the view (its connection closes)
        for invitation in core.open_invitations(batch).iterator():
            yield invitation.contract

    return letters.stream(issued, base_url, contracts())


DOWNLOADS = {"pdf": ("PDF", "application/pdf", _pdf),
             "csv": ("CSV", "text/csv", lambda batch, issued, base_url: letters.csv_rows(issued, base_url))}


@staff.post("/<int:batch_id>/letters.<kind>")
@admin_required
def download(batch_id: int, kind: str):
    """Fresh tokens for the open letters, streamed into the file as they are made (never stored)."""
    if kind not in DOWNLOADS:
        abort(404)
    batch = _batch(batch_id)
    what, mimetype, write = DOWNLOADS[kind]
    issued = core.issue(batch, g.staff.email, what)
    response = Response(stream_with_context(write(batch, issued, current_app.config["BASE_URL"])), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="invitations-{batch.id}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@staff.get("/<int:batch_id>")
def batch_page(batch_id: int):
    """The batch's letters, locked ones first and prominent, each revocable by an admin."""
    batch = _batch(batch_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max((batch.letters + core.PAGE_SIZE - 1) // core.PAGE_SIZE, 1)
    return render("invitations/batch.html", "partials/invitations/batch.html",
                  title=f"招待状 #{batch.id}", batch=batch, locked=list(core.locked_letters(batch)),
                  letters=list(core.letters_of(batch, min(page, pages))), page_no=min(page, pages), pages=pages,
                  state_of=core.letter_state, states=core.STATES, page_size=core.PAGE_SIZE, mask=core.masked_policy_number,
                  revoked=request.args.get("revoked", type=int))


@staff.post("/<int:batch_id>/revoke")
@admin_required
def revoke_batch(batch_id: int):
    core.revoke_batch(_batch(batch_id))
    return see_other("invitations_staff.console")


@staff.post("/letter/<int:invitation_id>/revoke")
@admin_required
def revoke_one(invitation_id: int):
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None:
        abort(404)
    core.revoke(invitation_id)
    return see_other("invitations_staff.batch_page", batch_id=invitation.batch_id,
                     page=request.form.get("page", 1, type=int), revoked=invitation_id)
