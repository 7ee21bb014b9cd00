"""AIチャット on the web: the page, the drawer's panel, はい/いいえ, the JSON API, the staff list.

Thin: read the request, call chat.py (the conversation) or log.py, render.
Every screen works without JavaScript (form posts, 303, full pages); with
htmx a question appends one exchange to the log, a vote swaps itself.
"""
from __future__ import annotations

from .. import jp

import json
import threading

from flask import (Blueprint, Response, abort, current_app, g, make_response, redirect,
                   render_template, request, session, stream_with_context, url_for)
from flask_login import current_user

from ..auth import limits
from ..jp import to_jst
from ..models import ChatExample, ChatLog
from ..session import signing_keys
from ..staff.guard import guard
from ..web import is_htmx, render, see_other
from . import chat, llm
from .engine import Contacts, get_engine, learn_filed_examples

bp = Blueprint("help", __name__, url_prefix="/help")

TITLE = "AIチャット"
LOG_TARGET = "chat-log"


def _contacts() -> dict[str, str]:
    agency = current_user.primary_agency() if current_user.is_authenticated else None
    return chat.contacts_for(agency, current_app.config["INSURER_NAME"])


def _share() -> bool:
    """One more chat row from this client (unanswered question, vote) within its share?"""
    return limits.allowed_once("chat-log-client", limits.client_address())


@bp.before_request
def _learn_filed_examples() -> None:
    """Questions staff filed in another process: learnt here too (checked at most once a minute)."""
    try:
        learn_filed_examples(get_engine())
    except Exception:  # noqa: BLE001 - the chat answers without them
        current_app.logger.warning("filed chat examples could not be read", exc_info=True)


def _member():
    return current_user if current_user.is_authenticated else None


def contract_facts(member) -> list[chat.ContractFacts]:
    """The signed-in member's contracts as the chat may mention them (empty signed out)."""
    if member is None or not getattr(member, "is_authenticated", False):
        return []
    from ..renewal import plans

    today = jp.today()
    out = []
    for c in member.contracts():
        w = plans.plan_of(c).window
        out.append(chat.ContractFacts(
            car_name=c.car_name, policy_tail=c.policy_number[-4:], opens=w.opens, closes=w.closes,
            starts=c.insurance_end, state=w.state(today),
            renewal_url=url_for("renewal.entry", policy_number=c.policy_number)))
    return out


def _personal(exchanges: list[chat.Exchange]) -> list[chat.Exchange]:
    """Signed in: deadline and premium answers name the member's own contracts."""
    wanted = [x for x in exchanges if x.reply.kind in ("answer", "suggest")
              and x.reply.top_faq_id in chat.PERSONAL_TOPICS]
    if wanted and _member() is not None:
        facts = contract_facts(_member())
        for x in wanted:
            chat.personalise(x.reply, facts)
    return exchanges


@bp.app_context_processor
def _chat_contacts():
    """chat_contacts(): who to phone after a いいえ (the member's agency when known, the insurer)."""
    def chat_contacts() -> Contacts:
        return Contacts.coerce(_contacts())
    return {"chat_contacts": chat_contacts}


def _with_tokens(exchanges: list[chat.Exchange]) -> list[chat.Exchange]:
    _personal(exchanges)
    for exchange in exchanges:
        if exchange.wants_feedback and not exchange.feedback:
            exchange.token = chat.feedback_token(exchange, signing_keys(current_app))
    return exchanges


def _wants_exchange_only() -> bool:
    """An htmx request whose answer is appended to the chat log."""
    return is_htmx() and request.headers.get("HX-Target") == LOG_TARGET


def _fragment(template: str, status: int = 200, **ctx) -> Response:
    response = make_response(render_template(template, **ctx), status)
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


def _page(status: int = 200, error: str | None = None, q: str = "", **ctx) -> Response:
    exchanges = _with_tokens(chat.history(session, _contacts()))
    response = render("help/chat.html", "partials/help/chat.html", status=status, title=TITLE,
                      exchanges=exchanges, error=error, mismatch=error, q=q, **ctx)
    response.vary.add("HX-Target")
    return response


def _exchange_answer(exchange: chat.Exchange) -> Response:
    """The exchange appended to the log (htmx), or back to the page at it (303)."""
    chat.remember(session, exchange)
    if _wants_exchange_only():
        if current_app.config.get("LLM_URL") and exchange.wants_feedback:
            exchange.stream_url = url_for("help.summary", t=chat.summary_token(exchange, signing_keys(current_app)))
        return _fragment("partials/help/_exchange.html", x=_with_tokens([exchange])[0])
    return see_other(url_for("help.chat") + f"#x-{exchange.id}")


# ------------------------------------------------------------------ the chat

@bp.get("/chat", endpoint="chat")
def chat_page():
    """The chat as a page. ?faq=F09 (a suggested topic) and ?q=… (a question from a link)
    join the conversation and come back to the page at their answer."""
    if request.args.get("faq"):
        exchange = chat.pick(request.args["faq"], _contacts(), session)
        if exchange is None:
            abort(404)
        return _exchange_answer(exchange)
    if "q" in request.args:
        try:
            question = chat.clean_question(request.args["q"])
        except chat.QuestionError as err:
            return _page(422, error=err.message, q=request.args["q"][: chat.MAX_QUESTION_CHARS * 2])
        return _exchange_answer(chat.ask(question, _contacts(), share=_share))
    return _page()


@bp.post("/chat")
def ask():
    raw = request.form.get("q", "")
    try:
        question = chat.clean_question(raw)
    except chat.QuestionError as err:
        if is_htmx():
            response = _fragment("partials/help/_form.html", 422, error=err.message,
                                 q=raw[: chat.MAX_QUESTION_CHARS * 2])
            response.headers["HX-Retarget"] = "#chat-form"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        return _page(422, error=err.message, q=raw[: chat.MAX_QUESTION_CHARS * 2])
    return _exchange_answer(chat.ask(question, _contacts(), share=_share))


@bp.get("/chat/panel")
def panel():
    """The chat without the page around it: what the drawer loads (htmx only)."""
    if not is_htmx():
        return redirect(url_for("help.chat"))
    exchanges = _with_tokens(chat.history(session, _contacts()))
    return _fragment("partials/help/_chat.html", exchanges=exchanges, error=None, q="")


@bp.post("/chat/feedback")
def feedback():
    vote = chat.read_vote(request.form.get("token"), request.form.get("vote"), signing_keys(current_app))
    if vote is None:
        abort(400)
    chat.record_vote(vote, session, share=_share)
    nxt = chat.alternatives(vote)
    if nxt is not None:
        chat.remember(session, nxt)  # the page without JavaScript shows them as the next exchange
    if is_htmx():
        return _fragment("partials/help/_feedback_done.html", exchange_id=vote.exchange_id, vote=vote.vote,
                         alternatives=nxt)
    anchor = nxt.id if nxt is not None else vote.exchange_id
    return see_other(url_for("help.chat") + f"#x-{anchor}")


@bp.post("/chat/clear")
def clear():
    chat.forget(session)
    if is_htmx():
        return _fragment("partials/help/_chat.html", exchanges=[], error=None, q="")
    return see_other("help.chat")


LLM_MAX_STREAMS = 2  # per process (config LLM_MAX_STREAMS): the other threads stay for pages


def _stream_slots():
    """One semaphore per app (= per process): how many summaries may stream at once."""
    slots = current_app.extensions.get("llm_streams")
    if slots is None:
        slots = current_app.extensions.setdefault(
            "llm_streams", threading.BoundedSemaphore(current_app.config.get("LLM_MAX_STREAMS", LLM_MAX_STREAMS)))
    return slots


@bp.get("/chat/summary")
def summary():
    """Server-sent events: the optional model's short summary of one answer (CLICKAR_LLM_URL).

    Each token streams once; a client gets SUMMARY rules' worth per 10 minutes; a process
    streams at most LLM_MAX_STREAMS at a time (503 beyond: the answer is on screen anyway);
    a stream ends after llm.DEADLINE_SECONDS whatever the model does.
    """
    url = current_app.config.get("LLM_URL")
    found = chat.read_summary_token(request.args.get("t"), signing_keys(current_app))
    if not url or found is None or found[0] not in get_engine().by_id:
        abort(404)
    faq_id, nonce = found
    limits.hit("summary-client", limits.client_address())
    try:
        limits.hit("summary-token", nonce)
    except limits.Limited:
        abort(404)  # spent: a replayed link is no link
    slots = _stream_slots()
    if not slots.acquire(blocking=False):
        return Response("event: error\ndata: \n\n", status=503, mimetype="text/event-stream",
                        headers={"Retry-After": "30", "Cache-Control": "no-store"})
    released = []

    def release():
        if not released:
            released.append(True)
            slots.release()

    topics = [get_engine().by_id[faq_id]]
    model = current_app.config.get("LLM_MODEL") or "default"
    deadline = current_app.config.get("LLM_DEADLINE_SECONDS", llm.DEADLINE_SECONDS)

    def events():
        try:
            # the topic's title stands for the question: nothing typed leaves (personal data)
            for piece in llm.stream_summary(url, model, topics[0].title, topics, deadline=deadline):
                yield f"data: {json.dumps(piece, ensure_ascii=False)}\n\n"
        except Exception:  # noqa: BLE001 - the answer is on screen already; end quietly
            current_app.logger.warning("the help summary model failed", exc_info=True)
            yield "event: error\ndata: \n\n"
            return
        finally:
            release()
        yield "event: done\ndata: \n\n"

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.call_on_close(release)  # also when the stream never started or the phone went away
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


# ------------------------------------------------------------------ JSON API

@bp.get("/chat/api")
def api():
    """GET /help/chat/api?q=… → {"kind", "faq_id", "candidates", "answer_html"}."""
    try:
        question = chat.clean_question(request.args.get("q"))
    except chat.QuestionError as err:
        return _json({"error": err.message, "status": 400}, 400)
    reply = chat.reply_to(question, _contacts(), share=_share)
    if reply.kind in ("answer", "suggest") and reply.top_faq_id in chat.PERSONAL_TOPICS and _member() is not None:
        chat.personalise(reply, contract_facts(_member()))
    return _json(reply.to_json())


def _json(data: dict, status: int = 200) -> Response:
    """JSON as people read it (Japanese unescaped), never cached."""
    response = current_app.response_class(json.dumps(data, ensure_ascii=False), status=status,
                                          mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ staff

staff_bp = guard(Blueprint("help_staff", __name__, url_prefix="/staff"))
STAFF_ROWS = 200


@staff_bp.get("/help")
def staff_log():
    engine = get_engine()
    show = request.args.get("show", "")
    show = show if show in ChatLog.FILTERS else ""
    rows = list(ChatLog.needing_attention(show or None, limit=STAFF_ROWS))
    counts = ChatLog.counts_per_faq()
    per_faq = sorted(((faq_id, engine.by_id[faq_id].title if faq_id in engine.by_id else "", c)
                      for faq_id, c in counts.items()),
                     key=lambda row: (-row[2]["down"], -row[2]["suggest"], row[0]))
    filed = ChatExample.filed_for(r.question_masked for r in rows)
    return render("help/staff.html", "partials/help/staff.html", title="AIチャットの改善",
                  rows=rows, per_faq=per_faq, totals=ChatLog.totals(), show=show, limit=STAFF_ROWS,
                  to_jst=to_jst, titles={t.id: t.title for t in engine.topics}, topics=engine.topics,
                  filed=filed)


@staff_bp.post("/help/examples")
def staff_file_example():
    """「このトピックの質問として登録」: a logged (masked) question becomes a DEV example.

    The chat learns it at once in this process (and in the others on their
    next start); the locked test half of the evaluation never sees it.
    """
    engine = get_engine()
    row = ChatLog.get_or_none(ChatLog.id == request.form.get("log", type=int))
    faq_id = (request.form.get("faq_id") or "").strip().upper()
    if row is None or not row.question_masked or faq_id not in engine.by_id:
        abort(400)
    ChatExample.file(row.question_masked, faq_id, staff_name=g.staff.email)
    learn_filed_examples(engine, [(row.question_masked, faq_id)])
    if is_htmx():
        return _fragment("partials/help/_staff_filed.html", r=row, faq_id=faq_id,
                         title=engine.by_id[faq_id].title)
    return see_other(url_for("help_staff.staff_log", show=request.form.get("show") or None) + f"#log-{row.id}")
