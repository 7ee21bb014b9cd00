"""`flask --app wsgi staff create EMAIL --role …`: accounts for the console."""
from __future__ import annotations

from clickar.auth.passwords import verify_password
from clickar.models import Staff
from flyer_support import STAFF_PASSWORD


def test_staff_create_asks_for_the_password_twice(runner, db):
    result = runner.invoke(args=["staff", "create", "Hanako@Example.jp", "--role", "admin"],
                           input="long-enough-pass\nlong-enough-pass\n")
    assert result.exit_code == 0, result.output
    staff = Staff.get()
    assert (staff.email, staff.role) == ("hanako@example.jp", "admin")
    assert staff.password_hash.startswith("$argon2id$")
    assert verify_password(staff.password_hash, "long-enough-pass")


def test_staff_create_reads_the_password_from_the_environment(runner, db):
    result = runner.invoke(args=["staff", "create", "ops@example.jp"],
                           env={"CLICKAR_STAFF_PASSWORD": "from-the-environment"})
    assert result.exit_code == 0, result.output
    assert Staff.get().role == "marketing"


def test_staff_create_refuses_a_short_password_a_bad_role_and_a_second_account(runner, db):
    env = {"CLICKAR_STAFF_PASSWORD": "short"}
    result = runner.invoke(args=["staff", "create", "a@example.jp"], env=env)
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    result = runner.invoke(args=["staff", "create", "a@example.jp", "--role", "owner"],
                           env={"CLICKAR_STAFF_PASSWORD": "long-enough-pass"})
    assert result.exit_code == 2
    ok = {"CLICKAR_STAFF_PASSWORD": "long-enough-pass"}
    assert runner.invoke(args=["staff", "create", "a@example.jp"], env=ok).exit_code == 0
    again = runner.invoke(args=["staff", "create", "A@example.jp"], env=ok)
    assert again.exit_code == 1 and "already exists" in again.output
    listed = runner.invoke(args=["staff", "list"])
    assert "a@example.jp\tmarketing" in listed.output


def where(staff) -> str:
    """The page the console opens on: /staff/login when not (or no longer) signed in."""
    return staff.client.get("/staff/", follow_redirects=True).request.path


def test_a_disabled_staff_account_is_signed_out_at_once_and_its_password_no_longer_opens_it(staff, runner):
    staff.login("leaver@example.jp", "admin")
    assert where(staff) != "/staff/login"
    result = runner.invoke(args=["staff", "disable", "Leaver@example.jp"])
    assert result.exit_code == 0 and "disabled leaver@example.jp" in result.output
    assert where(staff) == "/staff/login"          # the open session ended
    again = staff.post("/staff/login", {"email": "leaver@example.jp", "password": "x" * 8})
    assert again.status_code != 303
    again = staff.post("/staff/login", {"email": "leaver@example.jp", "password": STAFF_PASSWORD})
    assert again.status_code != 303 and where(staff) == "/staff/login"
    assert "leaver@example.jp\tadmin\tlast login:" in runner.invoke(args=["staff", "list"]).output
    assert runner.invoke(args=["staff", "list"]).output.rstrip().endswith("disabled")
    assert runner.invoke(args=["staff", "disable", "nobody@example.jp"]).exit_code == 1


def test_a_role_change_applies_at_once(staff, runner):
    staff.login("promoted@example.jp", "admin")
    assert where(staff) != "/staff/login"
    result = runner.invoke(args=["staff", "role", "promoted@example.jp", "marketing"])
    assert result.exit_code == 0 and "is now marketing" in result.output
    assert where(staff) == "/staff/login"          # signs in again, as marketing
    assert runner.invoke(args=["staff", "role", "promoted@example.jp", "owner"]).exit_code == 2
