"""AIチャット: chat_example, questions staff filed as "this was topic Fxx" (issue 20).

A frozen copy of clickar/models/help.py's ChatExample as it was when this was written.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ChatExample(Base):
        question_masked = TextField()
        faq_id = CharField(max_length=8)
        staff_name = CharField(max_length=80, default="")
        created_at = DateTimeField(index=True)

        class Meta:
            indexes = ((("question_masked", "faq_id"), True),)

    db.create_tables([ChatExample])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS chat_example")
