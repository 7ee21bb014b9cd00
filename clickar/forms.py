"""The base of every Clickar form."""
from __future__ import annotations

from flask_wtf import FlaskForm


class Form(FlaskForm):
    """A Flask-WTF form without a CSRF field of its own.

    CSRFProtect (clickar.extensions) checks the token of every POST, app-wide, before
    any view runs, and every template puts `csrf_token()` into its forms. A per-form
    field would only sign a second token on each construction (on a 303 that is never
    shown) and check the same token again.
    """

    class Meta:
        csrf = False
