"""`flask --app wsgi staff create EMAIL --role …`: accounts for the console."""
from __future__ import annotations

from clickar.auth.passwords import verify_password
from clickar.models import Staff


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
