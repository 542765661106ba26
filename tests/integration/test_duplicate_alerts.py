"""Duplicate alerts on PostgreSQL: a person screened in Kharkivska and again in Kyivska raises one
alert seen by both regions' supervisors; checking again raises no second one; linking, dismissing
and undoing a link are recorded on both cases; a pair without a date of birth on one side, or
with another name, raises nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from referral_engine.application.disclosure_tables import TOTAL
from referral_engine.application.duplicates import Duplicates
from referral_engine.application.statistics import Request
from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.person_links import PersonAlertClosed, PersonAlertNotFound
from tests.factories import FixedClock, case_in, open_case

KHARKIV, KYIV, LVIV = "UA-63", "UA-32", "UA-46"
BORN = "1995-04-12"
SUPERVISOR = Actor("sup-kyiv", "supervisor", "lsa-kyivska")


def of(runtime: Runtime) -> Duplicates:
    return Duplicates.beside(runtime.search, runtime.engine)


def supervisor(*regions: str) -> Scope:
    return Scope(frozenset(regions), "supervisor", "lsa-x")


def test_the_same_person_in_two_regions_raises_one_alert_seen_by_both(pg_runtime: Runtime) -> None:
    engine, duplicates = pg_runtime.engine, of(pg_runtime)
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
    engine, duplicates = pg_runtime.engine, of(pg_runtime)
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


def test_linked_cases_count_one_person_in_the_status_report_from_the_moment_linked(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine, duplicates = pg_runtime.engine, of(pg_runtime)

    def figures(**asked: object) -> tuple[int, int]:
        """The status report's applications and persons this year, over those before."""
        today = engine.clock().date()
        request = Request("status", date(today.year, 1, 1), today, exact=True)
        found = pg_runtime.statistics.figures(replace(request, **asked), k=5)
        tables = {t.measure.name: t.value(TOTAL) for t in found.tables}
        return int(tables["applications"] or 0) - base[0], int(
            tables["persons_applied"] or 0
        ) - base[1]

    pg_runtime.projections.catch_up()
    base = (0, 0)
    base = figures()
    olena = {"person_name": "Олена Шевченко", "date_of_birth": BORN}
    first = case_in(engine, "application_registered", region=KHARKIV, **olena)
    pg_runtime.projections.catch_up()
    second = case_in(engine, "application_registered", region=KYIV, **olena)
    case_in(engine, "application_registered", region=KYIV, person_name="Ivan Petrenko")
    duplicates.check(second)
    pg_runtime.projections.catch_up()
    before_link = engine.clock()
    clock.advance(minutes=5)
    assert figures() == (3, 3)
    duplicates.link(first, second, "same_document", actor=SUPERVISOR, scope=supervisor(KYIV))
    pg_runtime.projections.catch_up()
    assert figures() == (3, 2)  # two applications of one person, and another person's
    assert figures(as_of=engine.clock()) == (3, 2)  # as of now: the same, to the digit
    assert figures(as_of=before_link) == (3, 3)  # as of before the link: not linked yet
    by_region = pg_runtime.statistics.figures(
        Request("status", date(2000, 1, 1), engine.clock().date(), ("region",), exact=True), k=5
    )
    persons = next(t for t in by_region.tables if t.measure.name == "persons_applied")
    applications = next(t for t in by_region.tables if t.measure.name == "applications")
    # the person counts in Kharkivska, where she first applied
    assert persons.value(KHARKIV) == applications.value(KHARKIV)
    assert persons.value(KYIV) == (applications.value(KYIV) or 0) - 1
    duplicates.unlink(first, second, actor=SUPERVISOR, scope=supervisor(KHARKIV))
    pg_runtime.projections.catch_up()
    assert figures() == (3, 3)
    pg_runtime.projections.rebuild("statistics")
    assert figures() == (3, 3) and figures(as_of=before_link) == (3, 3)
