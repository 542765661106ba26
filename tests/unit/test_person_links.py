"""Duplicate alerts and linked persons, the pure rules: who may decide, a pair decided once,
an undo only of a link, reasons from the fixed lists, links transitive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral_engine.application.engine import Engine
from referral_engine.domain import person_links as pl
from referral_engine.domain.access import Scope
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Context
from referral_engine.domain.errors import InvalidData
from tests.factories import SUPERVISOR, open_case

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CTX = Context(SUPERVISOR, NOW)


def pair(engine: Engine) -> tuple[Case, Case]:
    a = engine.store.repository.get(open_case(engine, "UA-63").case_id)
    b = engine.store.repository.get(open_case(engine, "UA-32").case_id)
    return a, b


def test_only_a_supervisor_of_either_region_may_decide() -> None:
    regions = ("UA-63", "UA-32")
    assert pl.may_act(Scope(frozenset({"UA-32"}), "supervisor"), regions)
    assert pl.may_act(Scope(None, "supervisor"), regions)
    assert not pl.may_act(Scope(frozenset({"UA-46"}), "supervisor"), regions)
    assert not pl.may_act(Scope(frozenset({"UA-32"}), "lsa_official"), regions)


def test_an_alert_is_raised_once_and_decided_once_on_both_cases(engine: Engine) -> None:
    a, b = pair(engine)
    assert pl.found(b, a, 0.97, CTX) and not pl.found(b, a, 0.97, CTX)
    assert not pl.found(a, b, 0.97, CTX)  # the other side knows the pair too
    assert not pl.found(a, a, 1.0, CTX)
    with pytest.raises(pl.PersonAlertClosed) as not_linked:
        pl.unlink(a, b, CTX)  # an open alert is no link to undo
    assert not_linked.value.code == "open"
    c = engine.store.repository.get(open_case(engine, "UA-46").case_id)
    with pytest.raises(pl.PersonAlertNotFound):
        pl.link(a, c, "same_document", CTX)  # never alerted
    with pytest.raises(InvalidData):
        pl.link(a, b, "looks alike", CTX)  # not a reason of the list
    pl.link(a, b, "same_document", CTX)
    assert a.matches[str(b.id)] == b.matches[str(a.id)] == pl.LINKED
    with pytest.raises(pl.PersonAlertClosed) as stale:
        pl.dismiss(a, b, "different_persons", CTX)
    assert stale.value.code == "linked"
    pl.unlink(b, a, CTX)
    with pytest.raises(pl.PersonAlertClosed) as twice:
        pl.unlink(b, a, CTX)
    assert twice.value.code == "unlinked"
    names = [type(e).__name__ for e in (*a.collect_events(), *b.collect_events())]
    assert names.count("PersonLinked") == 2 and names.count("PersonUnlinked") == 2


def test_a_dismissed_alert_is_not_raised_again(engine: Engine) -> None:
    a, b = pair(engine)
    pl.found(a, b, 0.9, CTX)
    pl.dismiss(b, a, "different_persons", CTX)
    assert not pl.found(b, a, 0.9, CTX)
    with pytest.raises(pl.PersonAlertClosed):
        pl.link(a, b, "same_document", CTX)


def test_links_are_transitive() -> None:
    persons = pl.persons([("b", "c"), ("a", "b"), ("x", "y")])
    assert persons == {"a": "a", "b": "a", "c": "a", "x": "x", "y": "x"}


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=20))
def test_linked_cases_share_one_person_the_smallest_of_them(links: list[tuple[int, int]]) -> None:
    named = [(str(a), str(b)) for a, b in links]
    persons = pl.persons(named)
    for a, b in named:
        assert persons[a] == persons[b]
    for case, person in persons.items():
        assert person <= case and persons[person] == person


def test_a_name_must_be_alike_enough() -> None:
    assert pl.confirmed([0.5, 0.9]) and not pl.confirmed([0.8]) and not pl.confirmed([])
