"""The one query behind 次へ and 確定: contracts and their links, together."""
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


def rows(numbers):
    return {number: (form is not None, link is not None)
            for number, form, link in Contract.identity_check_rows(numbers)}


def test_each_count_of_numbers_finds_exactly_the_contracts_that_exist(db):
    known = [c.policy_number for c in Contract.select().order_by(Contract.policy_number).limit(3)]
    assert len(known) == 3
    for count in (1, 2, 3):  # every count has its own statement: each must bind its own numbers
        asked = known[:count] + ["ZZ99999999"]
        assert rows(asked) == {number: (True, False) for number in known[:count]}
    assert rows(["ZZ99999999"]) == {}
    assert rows([]) == {}


def test_a_linked_contract_is_reported_whatever_the_order(db):
    first, second = (c for c in Contract.select().order_by(Contract.policy_number).limit(2))
    member = Member.create(email="taken@example.jp", password_hash="x")
    MemberContract.create(member=member, contract=first)
    expected = {first.policy_number: (True, True), second.policy_number: (True, False)}
    assert rows([first.policy_number, second.policy_number]) == expected
    assert rows([second.policy_number, first.policy_number]) == expected


def test_the_normal_form_comes_back_as_it_was_stored(db):
    contract = Contract.select().first()
    [(number, form, link)] = Contract.identity_check_rows([contract.policy_number])
    assert (number, form, link) == (contract.policy_number, contract.match_form, None)
    assert isinstance(form, dict)
