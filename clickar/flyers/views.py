"""Flyer views: the short links /r/CODE and the staff console under /staff/.

Thin: read the request, call campaigns.py / tracking.py, render. Staff sign in at
/staff/login (clickar/staff/); every console page is behind staff.guard.
"""
from __future__ import annotations

import functools

from flask import (Blueprint, Response, abort, current_app, g, make_response, redirect, request,
                   session, url_for)

from markupsafe import Markup

from ..auth import limits
from ..jp import today as jst_today
from ..models import Campaign
from ..reminders import staff as reminder_staff
from ..staff.guard import guard
from ..web import render, see_other
from . import campaigns, charts, results, tracking
from .forms import CampaignForm, QrDownloadForm
from .pdf import flyer_pdf
from .qr import qr_pdf, qr_png, qr_svg

# =================================================================== /r/CODE

links = Blueprint("links", __name__)

SESSION_CAMPAIGN = "campaign"


def _link_problem(state: str, status: int, campaign: Campaign | None = None):
    response = render("flyers/link_invalid.html", "partials/flyers/link_invalid.html", status=status,
                      state=state, campaign=campaign,
                      title={"unknown": "二次元コードをご確認ください",
                             "not_yet": "このページはまだご利用いただけません",
                             "expired": "このページは有効期限が切れています"}[state])
    response.headers["Cache-Control"] = "no-store"
    return response


@links.get("/r/<code>")
@links.get("/R/<code>")
def follow(code: str):
    """A flyer's QR code: count the scan, remember the campaign, go to the target.

    The scan is appended to this process's spool file before the 302 (tracking.spool_scan;
    flyers/spool.py moves it into the funnel within about a second, a crash included). A
    campaign this process saw live in the last few seconds is not looked up again."""
    code = campaigns.normalise_code(code)
    today = jst_today()
    known = tracking.live_campaign(code, today) if code else None
    if known is None:
        campaign = Campaign.by_code(code) if code else None
        if campaign is None:
            return _link_problem("unknown", 404)
        state = campaign.state(today)
        if state != "live":
            return _link_problem(state, 410 if state == "expired" else 404, campaign)
        tracking.remember_live(campaign)
        known = (campaign.id, campaign.target)
        code = campaign.code
    campaign_id, target = known
    tracking.spool_scan(current_app._get_current_object(), campaign_id, code, request.remote_addr,
                        request.user_agent.string, limits.client_address())
    return _to_target(code, target)


def _to_target(code: str, target: str):
    session[SESSION_CAMPAIGN] = code
    response = redirect(campaigns.target_path(target), code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


# ==================================================================== /staff/

bp = guard(Blueprint("flyers", __name__, url_prefix="/staff"))


@bp.before_request
def _scans_up_to_date():
    """This process's spooled scans (and abandoned spool files) into the figures first; other
    live processes move theirs within about a second. A failure leaves them for the mover."""
    try:
        tracking.flush_scans(current_app._get_current_object())
    except Exception:  # noqa: BLE001 - the console still shows what is in the database
        current_app.logger.exception("visit spool: flush before a console page failed")


def _page(name: str, title: str, status: int = 200, **ctx):
    return render(f"flyers/{name}.html", f"partials/flyers/{name}.html", status=status,
                  title=title, targets=campaigns.TARGETS, state_labels=campaigns.STATE_LABELS, **ctx)


def _campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _base_url() -> str:
    return current_app.config["BASE_URL"]


# ---------------------------------------------------------------- campaigns

@bp.get("/")
def home():
    return redirect(url_for("flyers.campaign_list"))


@bp.get("/campaigns/")
def campaign_list():
    rows = list(Campaign.newest_first())
    return _page("campaigns", "キャンペーン一覧", campaigns=rows, counts=Campaign.counts_by_campaign(),
                 today=jst_today(), created=request.args.get("created"))


@bp.get("/campaigns/new")
def campaign_new():
    form = CampaignForm(data={"valid_from": jst_today().isoformat(), "target": "register"})
    return _page("campaign_form", "キャンペーンの作成", form=form, campaign=None)


@bp.post("/campaigns/")
def campaign_create():
    form = CampaignForm()
    if not form.validate():
        return _page("campaign_form", "キャンペーンの作成", 422, form=form, campaign=None)
    campaign = campaigns.create(form.campaign_data(), g.staff)
    return see_other("flyers.campaign_detail", campaign_id=campaign.id, created=1)


@bp.get("/campaigns/<int:campaign_id>/edit")
def campaign_edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    data = campaigns.as_form_data(campaign)
    data["valid_from"] = campaign.valid_from.isoformat()
    data["valid_until"] = campaign.valid_until.isoformat() if campaign.valid_until else ""
    return _page("campaign_form", "キャンペーンの編集", form=CampaignForm(data=data), campaign=campaign)


@bp.post("/campaigns/<int:campaign_id>/edit")
def campaign_update(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = CampaignForm()
    if not form.validate():
        return _page("campaign_form", "キャンペーンの編集", 422, form=form, campaign=campaign)
    campaigns.update(campaign, form.campaign_data())
    return see_other("flyers.campaign_detail", campaign_id=campaign.id, saved=1)


def _detail(campaign: Campaign, form: QrDownloadForm, status: int = 200):
    base = _base_url()
    url = campaigns.qr_url(base, campaign.code)
    preview = qr_svg(url, campaigns.qr_options())
    return _page("campaign", campaign.name, status,
                 campaign=campaign, form=form, funnel=campaigns.funnel(campaign),
                 state=campaign.state(jst_today()), short_url=campaigns.short_url(base, campaign.code),
                 qr_url=url, qr_preview=Markup(preview.split("?>", 1)[-1].replace(
                     "<svg ", '<svg role="img" aria-label="このキャンペーンの二次元コード" ', 1)),
                 help_url=campaigns.help_chat_url(base, campaign.label),
                 created=request.args.get("created"), saved=request.args.get("saved"))


@bp.get("/campaigns/<int:campaign_id>/")
def campaign_detail(campaign_id: int):
    return _detail(_campaign(campaign_id), QrDownloadForm(formdata=None))


# -------------------------------------------------------------- downloads

def _attachment(body, mimetype: str, filename: str) -> Response:
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/campaigns/<int:campaign_id>/qr")
def qr_download(campaign_id: int):
    """SVG / PNG / PDF of the campaign's code at the chosen size (GET form, no JS needed)."""
    campaign = _campaign(campaign_id)
    form = QrDownloadForm(request.args)
    if not form.validate():
        return _detail(campaign, form, 422)
    opts = campaigns.qr_options(form.size_mm(), int(form.dpi.data), form.logo.data)
    url = campaigns.qr_url(_base_url(), campaign.code)
    kind = form.format.data
    try:
        body = {"svg": qr_svg, "png": qr_png, "pdf": qr_pdf}[kind](url, opts)
    except ValueError:  # too few pixels per module for this size and resolution
        form.dpi.errors = ["この印刷サイズには解像度が足りません。もっと高い解像度を選んでください。"]
        return _detail(campaign, form, 422)
    if request.args.get("inline") and kind == "svg":
        response = make_response(body)
        response.mimetype = "image/svg+xml"
        return response
    return _attachment(body, campaigns.FORMATS[kind], campaigns.download_name(campaign, kind, opts))


@functools.lru_cache(maxsize=64)
def _flyer(url: str, insurer: str, agency: str, phone: str, help_url: str) -> bytes:
    return flyer_pdf(url, insurer, agency, phone, help_url)


@bp.get("/campaigns/<int:campaign_id>/flyer.pdf")
def flyer_download(campaign_id: int):
    """The A4 flyer with this campaign's code, ready to print."""
    campaign = _campaign(campaign_id)
    base = _base_url()
    body = _flyer(campaigns.qr_url(base, campaign.code), current_app.config["INSURER_NAME"],
                  campaign.agency_name, campaign.agency_phone, campaigns.help_chat_url(base, campaign.label))
    return _attachment(body, "application/pdf", campaigns.download_name(campaign, "flyer"))


# ---------------------------------------------------------------- results

@bp.get("/campaigns/<int:campaign_id>/results")
def campaign_results(campaign_id: int):
    """Funnel, daily scans and devices for a period (開始日〜終了日, GET form), and every
    campaign side by side. Bad dates are explained next to the field (422)."""
    campaign = _campaign(campaign_id)
    period = results.read_period(request.args, campaign)
    first, last = period.first, period.last
    days = campaigns.daily(campaign, first, last)
    funnel = results.funnel_within(days, campaign) if period.chosen else campaigns.funnel(campaign)
    devices = results.devices(campaign, first, last)
    compared = results.comparison()
    base = _base_url()
    return _page("results", f"結果：{campaign.name}", 422 if period.errors else 200,
                 campaign=campaign, funnel=funnel, period=period,
                 days=days, first=first, last=last, chart=Markup(charts.daily_scans_chart(days)),
                 devices=devices, devices_chart=Markup(charts.horizontal_bars(devices, "スキャンした端末（OS）",
                                                                              chart_id="devices-chart")),
                 compared=compared, compared_chart=Markup(charts.horizontal_bars(
                     [(row.campaign.name, row.registered) for row in compared],
                     "キャンペーン別の本登録数", unit="人", chart_id="compare-chart")),
                 short_url=campaigns.short_url(base, campaign.code),
                 reminder_counts=reminder_staff.for_campaign(campaign))


@bp.get("/campaigns/<int:campaign_id>/visits.csv")
def visits_csv(campaign_id: int):
    campaign = _campaign(campaign_id)
    return _attachment(campaigns.visits_csv(campaign), "text/csv", f"visits-{campaign.code}.csv")


@bp.get("/campaigns/<int:campaign_id>/daily.csv")
def daily_csv(campaign_id: int):
    campaign = _campaign(campaign_id)
    return _attachment(campaigns.daily_csv(campaign), "text/csv", f"daily-{campaign.code}.csv")
