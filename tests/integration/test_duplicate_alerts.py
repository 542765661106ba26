"""Duplicate alerts on PostgreSQL: a person screened in Kharkivska and again in Kyivska raises one
alert seen by both regions' supervisors; checking again raises no second one; linking, dismissing
and undoing a link are recorded on both cases; a pair without a date of birth on one side, or
with another name, raises nothing."""

from __future__ import annotations

import pytest

from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.person_links import PersonAlertClosed, PersonAlertNotFound
from tests.factories import open_case

KHARKIV, KYIV, LVIV = "UA-63", "UA-32", "UA-46"
BORN = "1995-04-12"
SUPERVISOR = Actor("sup-kyiv", "supervisor", "lsa-kyivska")


def supervisor(*regions: str) -> Scope:
    return Scope(frozenset(regions), "supervisor", "lsa-x")


def test_the_same_person_in_two_regions_raises_one_alert_seen_by_both(pg_runtime: Runtime) -> None:
    engine, duplicates = pg_runtime.engine, pg_runtime.duplicates
    first = open_case(engine, KHARKIV, person_name="Олена Шевченко", date_of_birth=BORN).case_id
    open_case(engine, KHARKIV, person_name="Олена Шевченко")  # no date of birth: never enough
    open_case(engine, LVIV, person_name="Ірина Шевченко", date_of_birth=BORN)  # another name
    pg_runtime.projections.catch_up()
    second = open_case(engine, KYIV, person_name="Olena Shevchenko", date_of_birth=BORN).case_id
    found = duplicates.check(second)
    assert found is not None and [(s.region, s.case_id) for s in found] == [(KHARKIV, first)]
    assert duplicates.check(second) is not None  # again: nothing new
    assert duplicates.recheck([second, first]) == 0
    pg_runtime.projections.catch_up()
    for scope in (supervisor(KHARKIV), supervisor(KYIV)):
        alerts = duplicates.alerts(scope)
        assert len(alerts) == 1 and alerts[0].may_act, scope
        alert = alerts[0]
        assert {alert.raised.region, alert.other.region} == {KYIV, KHARKIV}
        # each supervisor sees the id of the case in their region only
        seen = {s.region: s.case_id for s in (alert.raised, alert.other)}
        assert seen == {
            r: (first if r == KHARKIV else second) if scope.covers(r) else None
            for r in (KHARKIV, KYIV)
        }
    assert duplicates.alerts(supervisor(LVIV)) == []
    assert len(engine.case_history(second).entries) == 2  # opened, then the alert: one event


def test_link_dismiss_and_undo_are_recorded_on_both_cases(pg_runtime: Runtime) -> None:
    engine, duplicates = pg_runtime.engine, pg_runtime.duplicates
    first = open_case(engine, KHARKIV, person_name="Олена Шевченко", date_of_birth=BORN).case_id
    pg_runtime.projections.catch_up()
    second = open_case(engine, KYIV, person_name="Olena Shevchenco", date_of_birth=BORN).case_id
    duplicates.check(second)
    lviv = supervisor(LVIV)
    with pytest.raises(PersonAlertNotFound):  # neither case in their regions
        duplicates.link(first, second, "same_document", actor=SUPERVISOR, scope=lviv)
    kyiv = supervisor(KYIV)
    duplicates.link(first, second, "same_document", actor=SUPERVISOR, scope=kyiv)
    with pytest.raises(PersonAlertClosed):  # stale: decided already
        duplicates.dismiss(second, first, "different_persons", actor=SUPERVISOR, scope=kyiv)
    pg_runtime.projections.catch_up()
    assert duplicates.alerts(kyiv) == []
    [linked] = duplicates.alerts(kyiv, open_only=False)
    assert linked.state == "linked" and linked.reason == "same_document"
    assert duplicates.check(second) == []  # the same person now: no new alert
    duplicates.unlink(second, first, actor=SUPERVISOR, scope=kyiv)
    with pytest.raises(PersonAlertClosed):
        duplicates.unlink(second, first, actor=SUPERVISOR, scope=kyiv)
    pg_runtime.projections.catch_up()
    assert [a.state for a in duplicates.of_case(first, kyiv)] == ["unlinked"]
    for case_id in (first, second):
        assert engine.case_history(case_id).entries[-1].event == "PersonUnlinked"
