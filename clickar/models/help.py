"""AIチャット: the log of questions the chat could not answer and of answers voted down.

Only masked questions are ever stored (clickar.ops.masking); a はい vote keeps
no question at all. Queries are methods named for the question they answer.
"""
from __future__ import annotations

from peewee import CharField, DateTimeField, TextField, fn

from .base import BaseModel, now

__all__ = ["ChatLog", "ChatExample"]


class ChatLog(BaseModel):
    """One question the chat could not answer, or one はい/いいえ on an answer."""

    KINDS = ("answer", "suggest", "handoff")
    UP, DOWN = "up", "down"

    question_masked = TextField(default="")
    kind = CharField(max_length=10)
    faq_id = CharField(max_length=8, null=True)  # the answer voted on, or a suggestion's first topic
    reason = CharField(max_length=20, null=True)  # why the chat handed off ('unknown', …)
    feedback = CharField(max_length=4, null=True)  # 'up' / 'down' for a vote, None for an unanswered question
    exchange_id = CharField(max_length=24, null=True, unique=True)  # one vote per answer shown
    created_at = DateTimeField(default=now, index=True)

    @property
    def is_down_vote(self) -> bool:
        return self.feedback == self.DOWN

    FILTERS = ("unanswered", "down")

    @classmethod
    def needing_attention(cls, only: str | None = None, limit: int = 200):
        """Unanswered questions and down-voted answers (or only one of them), most recent first."""
        wanted = {
            "unanswered": cls.feedback.is_null(),
            "down": cls.feedback == cls.DOWN,
        }.get(only, cls.feedback.is_null() | (cls.feedback == cls.DOWN))
        return (cls
                .select()
                .where(wanted)
                .order_by(cls.created_at.desc(), cls.id.desc())
                .limit(limit))

    @classmethod
    def counts_per_faq(cls) -> dict[str, dict[str, int]]:
        """{faq_id: {"down": n, "up": n, "suggest": n}} over the whole log."""
        column = fn.COALESCE(cls.feedback, cls.kind)
        rows = (cls
                .select(cls.faq_id, column.alias("what"), fn.COUNT(cls.id).alias("n"))
                .where(cls.faq_id.is_null(False))
                .group_by(cls.faq_id, column)
                .tuples())
        counts: dict[str, dict[str, int]] = {}
        for faq_id, what, n in rows:
            counts.setdefault(faq_id, {"down": 0, "up": 0, "suggest": 0})
            if what in ("down", "up", "suggest"):
                counts[faq_id][what] += n
        return counts

    @classmethod
    def totals(cls) -> dict[str, int]:
        """{"handoff": n, "suggest": n, "down": n, "up": n}: unanswered by kind, and votes."""
        column = fn.COALESCE(cls.feedback, cls.kind)
        rows = (cls
                .select(column.alias("what"), fn.COUNT(cls.id).alias("n"))
                .group_by(column)
                .tuples())
        totals = {"handoff": 0, "suggest": 0, "down": 0, "up": 0}
        for what, n in rows:
            if what in totals:
                totals[what] = n
        return totals


class ChatExample(BaseModel):
    """A logged question staff filed as "this was topic Fxx": a new DEV example.

    The engine learns from these next to the dev half of the evaluation set
    (engine.ChatEngine.add_examples); the locked test half never gets them.
    The question is the masked one from the log, never the raw text.
    """

    question_masked = TextField()
    faq_id = CharField(max_length=8)
    staff_name = CharField(max_length=80, default="")
    created_at = DateTimeField(default=now, index=True)

    class Meta:
        indexes = ((("question_masked", "faq_id"), True),)

    @classmethod
    def file(cls, question_masked: str, faq_id: str, staff_name: str = "") -> tuple["ChatExample", bool]:
        """Store once (the same question and topic twice is one example); (row, created)."""
        return cls.get_or_create(question_masked=question_masked, faq_id=faq_id,
                                 defaults={"staff_name": staff_name[:80]})

    @classmethod
    def pairs(cls) -> list[tuple[str, str]]:
        """(question, faq_id) of every filed example, oldest first."""
        return list(cls.select(cls.question_masked, cls.faq_id).order_by(cls.id).tuples())

    @classmethod
    def filed_for(cls, questions) -> dict[str, str]:
        """{masked question: faq_id} among these questions (the staff page marks them)."""
        questions = list({q for q in questions if q})
        if not questions:
            return {}
        return dict(cls.select(cls.question_masked, cls.faq_id)
                    .where(cls.question_masked.in_(questions)).tuples())
