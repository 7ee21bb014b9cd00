"""The one query behind 次へ and 確定: contracts, their links and the mail address, together."""
from __future__ import annotations

import pytest

from clickar.db import database
from clickar.models import Contract, Member, MemberContract


@pytest.fixture
def db(app):
    with app.app_context():
        database.connect(reuse_if_open=True)
        yield
        database.close()


def rows(numbers, email=""):
    return {number: (form is not None, link is not None, taken)
            for number, form, link, taken in Contract.identity_check_rows(numbers, email)}


def test_each_count_of_numbers_finds_exactly_the_contracts_that_exist(db):
    known = [c.policy_number for c in Contract.select().order_by(Contract.policy_number).limit(3)]
    assert len(known) == 3
    for count in (1, 2, 3):  # every count has its own statement: each must bind its own numbers
        asked = known[:count] + ["ZZ99999999"]
        assert rows(asked) == {number: (True, False, False) for number in known[:count]}
    assert rows(["ZZ99999999"]) == {}
    assert rows([]) == {}


def test_a_linked_contract_and_a_members_address_are_reported_on_every_row(db):
    first, second = (c for c in Contract.select().order_by(Contract.policy_number).limit(2))
    member = Member.create(email="taken@example.jp", password_hash="x")
    MemberContract.create(member=member, contract=first)
    assert rows([first.policy_number, second.policy_number], "someone@example.jp") == {
        first.policy_number: (True, True, False), second.policy_number: (True, False, False)}
    assert rows([second.policy_number, first.policy_number], "taken@example.jp") == {
        first.policy_number: (True, True, True), second.policy_number: (True, False, True)}


def test_the_normal_form_comes_back_as_it_was_stored(db):
    contract = Contract.select().first()
    [(number, form, link, taken)] = Contract.identity_check_rows([contract.policy_number], "")
    assert (number, form, link, taken) == (contract.policy_number, contract.match_form, None, False)
    assert isinstance(form, dict)
