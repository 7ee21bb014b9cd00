"""/_test/api/… — JSON, bearer token, for testers' runs only (see __init__.py)."""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request

from . import throwaway

bp = Blueprint("testapi", __name__, url_prefix="/_test/api")


@bp.before_request
def _require_token():
    """A wrong or missing token looks exactly like a route that does not exist."""
    expected = current_app.config.get("TEST_API_TOKEN") or ""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), expected.encode()):
        abort(404)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _contract_json(c) -> dict:
    return {**c.as_row(), "car_name": c.car_name, "insurance_start": c.insurance_start.isoformat(),
            "insurance_end": c.insurance_end.isoformat(), "group_name": c.group_name,
            "agency_name": c.agency_name, "agency_phone": c.agency_phone}


@bp.post("/contracts")
def create_contract():
    fields = request.get_json(silent=True)
    if not isinstance(fields, dict):
        return jsonify(errors=["body: a JSON object with the contract CSV columns"]), 400
    contract, errors = throwaway.create_contract(fields)
    if errors:
        status = 409 if errors == ["policy_number: already exists"] else 400
        return jsonify(errors=errors), status
    return jsonify(contract=_contract_json(contract)), 201


@bp.get("/mail")
def read_mail():
    address = request.args.get("to", "").strip()
    if not address:
        return jsonify(errors=["to: the recipient address"]), 400
    mails = throwaway.mails_to(address, request.args.get("after", 0, type=int))
    return jsonify(mails=[{"id": m.id, "to": m.recipient, "subject": m.subject, "body": m.body,
                           "kind": m.kind, "created_at": m.created_at.isoformat(),
                           "sent_at": m.sent_at.isoformat() if m.sent_at else None}
                          for m in mails])


@bp.post("/cleanup")
def cleanup():
    body = request.get_json(silent=True) or {}
    emails = body.get("emails") or []
    if not isinstance(emails, list):
        return jsonify(errors=["emails: a list of addresses"]), 400
    try:
        deleted = throwaway.delete_run(str(body.get("policy_prefix") or ""), [str(e) for e in emails])
    except ValueError as err:
        return jsonify(errors=[str(err)]), 400
    return jsonify(deleted=deleted)


@bp.post("/limits/reset")
def reset_limits():
    """Forget every rate-limit counter: a test run makes more attempts from one
    address in an hour than any person would (the limits stay the production ones)."""
    from ..auth import limits

    limits.reset()
    return jsonify(reset=True)
