"""What the chat writes down for staff: unanswered questions and votes, masked.

The raw question never reaches the database: it is masked here
(clickar.ops.masking) before the row is written. A はい vote keeps no
question at all; a いいえ vote keeps the masked question it answered.

Anyone may ask, so the web layer hands in `share`: a callable that counts one
row against the client's share (rule "chat-log-client", per IPv4 address or
IPv6 /64) and says whether it is still within it. Beyond it the person still
gets every answer, but nothing more is written down, and a script cannot grow
the table at will. No Flask here: the CLI and tests call without a share.
"""
from __future__ import annotations

from typing import Callable, Optional

from peewee import IntegrityError

from ..db import database
from ..models import ChatLog
from .engine import Reply
from ..ops.masking import mask_personal_data

MAX_LOGGED_CHARS = 300
Share = Optional[Callable[[], bool]]  # counts one row for this client; False beyond its share
VOTES = (ChatLog.UP, ChatLog.DOWN)


def masked(question: str) -> str:
    return mask_personal_data(question or "").strip()[:MAX_LOGGED_CHARS]


def is_unanswered(reply: Reply) -> bool:
    """A question the knowledge base could not answer outright (not one that was out of scope)."""
    if reply.kind == "suggest":
        return reply.reason != "empty"
    return reply.kind == "handoff" and reply.reason == "unknown"


def log_unanswered(question: str, reply: Reply, share: Share = None) -> ChatLog | None:
    if not is_unanswered(reply) or (share is not None and not share()):
        return None
    return ChatLog.create(question_masked=masked(question), kind=reply.kind,
                          faq_id=reply.top_faq_id, reason=reply.reason)


def log_vote(exchange_id: str, faq_id: str, vote: str, question_masked: str, share: Share = None) -> bool:
    """Record はい/いいえ once per answer shown; False when it was already recorded."""
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}")
    if share is not None and not share():
        return False
    try:
        with database.atomic():
            ChatLog.create(question_masked=masked(question_masked) if vote == ChatLog.DOWN else "",
                           kind="answer", faq_id=faq_id, feedback=vote, exchange_id=exchange_id)
    except IntegrityError:
        return False
    return True
