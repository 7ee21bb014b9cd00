"""AIチャット: chat_log, the masked log of unanswered questions and はい/いいえ votes.

A frozen copy of clickar/models/help.py as it was when this was written.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ChatLog(Base):
        question_masked = TextField(default="")
        kind = CharField(max_length=10)
        faq_id = CharField(max_length=8, null=True)
        reason = CharField(max_length=20, null=True)
        feedback = CharField(max_length=4, null=True)
        exchange_id = CharField(max_length=24, null=True, unique=True)
        created_at = DateTimeField(index=True)

    db.create_tables([ChatLog])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS chat_log")
