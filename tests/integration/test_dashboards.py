"""Dashboards on PostgreSQL: figures agree with the cases themselves; no personal data kept."""

from __future__ import annotations

from collections import Counter
from datetime import date

import psycopg
from psycopg import sql

from referral_engine import demo
from referral_engine.bootstrap import Runtime
from tests.factories import open_case

ALL = {"region": None, "from": None, "to": None}


def figures(runtime: Runtime, name: str) -> list[dict[str, object]]:
    today = runtime.engine.clock().date()
    return runtime.projections.query(name, "dashboard", {**ALL, "today": today})


def test_funnel_and_decisions_agree_with_the_cases_histories(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    case_ids = demo.seed(engine, "ukraine-nrm", 30, seed=12)
    pg_runtime.projections.catch_up()
    stages: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for case_id in case_ids:
        events = [h.event for h in engine.history(case_id)]
        stages["screened"] += 1
        stages["applied"] += "StatusApplicationRegistered" in events
        stages["granted"] += "StatusGranted" in events
        stages["assisted"] += "AssistanceDelivered" in events
        decisions = [
            e
            for e in events
            if e in ("StatusGranted", "StatusRefused", "ApplicationReturnedIncomplete")
        ]
        if "StatusApplicationRegistered" in events:
            outcomes[decisions[-1] if decisions else "pending"] += 1
    funnel = figures(pg_runtime, "funnel")
    for stage in ("screened", "applied", "granted", "assisted"):
        assert sum(int(r[stage]) for r in funnel) == stages[stage], stage  # type: ignore[call-overload]
    decided = figures(pg_runtime, "status_decisions")
    assert sum(int(r["granted"]) for r in decided) == outcomes["StatusGranted"]  # type: ignore[call-overload]
    assert sum(int(r["pending"]) for r in decided) == outcomes["pending"]  # type: ignore[call-overload]
    assert sum(int(r["applications"]) for r in decided) == sum(outcomes.values())  # type: ignore[call-overload]


def test_referral_figures_agree_with_the_cases_referrals(pg_runtime: Runtime) -> None:
    case_ids = demo.seed(pg_runtime.engine, "ukraine-nrm", 25, seed=13)
    pg_runtime.projections.catch_up()
    sent: Counter[tuple[str, str]] = Counter()
    done: Counter[tuple[str, str]] = Counter()
    for case_id in case_ids:
        for referral in pg_runtime.engine.case(case_id).referrals:
            sent[(referral.agency, referral.service)] += 1
            done[(referral.agency, referral.service)] += referral.state == "done"
    rows = figures(pg_runtime, "referrals")
    assert {(r["agency"], r["service"]): r["sent"] for r in rows} == dict(sent)
    assert {(r["agency"], r["service"]): r["done"] for r in rows} == {
        key: done[key] for key in sent
    }


def test_no_read_model_holds_the_personal_data_of_a_case(pg_runtime: Runtime) -> None:
    marker = "Zoryana Synthetichna-Unikalna"
    open_case(pg_runtime.engine, person_name=marker, narrative=f"{marker} told us a story")
    demo.seed(pg_runtime.engine, "ukraine-nrm", 3, seed=1)
    pg_runtime.projections.catch_up()
    with psycopg.connect(pg_runtime.projections.url) as conn:
        prefix = pg_runtime.settings.database_schema
        schemas = [
            s
            for (s,) in conn.execute(
                "select nspname from pg_namespace where nspname like %s",
                [("rm" if prefix == "public" else prefix) + "\\_\\_%"],
            )
        ]
        assert len(schemas) == len(pg_runtime.projections.models)
        for schema in schemas:
            for (table,) in conn.execute(
                "select tablename from pg_tables where schemaname = %s", [schema]
            ).fetchall():
                hits = conn.execute(
                    sql.SQL("select count(*) from {} t where t::text like %s").format(
                        sql.Identifier(schema, table)
                    ),
                    ["%Zoryana%"],
                ).fetchone()
                assert hits == (0,), f"{schema}.{table}"


def test_dashboards_filter_by_region_and_period(pg_runtime: Runtime) -> None:
    demo.seed(pg_runtime.engine, "ukraine-nrm", 20, seed=14)
    pg_runtime.projections.catch_up()
    today = pg_runtime.engine.clock().date()
    every = figures(pg_runtime, "funnel")
    lviv = pg_runtime.projections.query(
        "funnel", "dashboard", {**ALL, "region": "Lvivska", "today": today}
    )
    assert lviv and all(r["region"] == "Lvivska" for r in lviv)
    assert lviv == [r for r in every if r["region"] == "Lvivska"]
    cohort = every[0]["cohort"]
    assert isinstance(cohort, date)
    one_month = pg_runtime.projections.query(
        "funnel", "dashboard", {**ALL, "from": cohort, "to": cohort, "today": today}
    )
    assert {r["cohort"] for r in one_month} == {cohort}
