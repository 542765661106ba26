"""Dashboards on PostgreSQL: figures agree with the cases' own histories; filters take whole
rows; no read model keeps personal data."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from referral_engine.application import demo
from referral_engine.application.dashboards import report
from referral_engine.bootstrap import Runtime
from referral_engine.domain.views import HistoryEntry
from tests.factories import open_case

ALL = {"region": None, "from": None, "to": None}
Key = tuple[Any, ...]
DAY = timedelta(days=1)


def figures(runtime: Runtime, name: str) -> list[dict[str, Any]]:
    """The dashboard query's rows before disclosure control (what the read model holds)."""
    today = runtime.engine.clock().date()
    return runtime.projections.query(name, "dashboard", {**ALL, "today": today})


def walked(runtime: Runtime, cases: int, seed: int) -> dict[UUID, list[HistoryEntry]]:
    """Synthetic cases walked through the workflow, read models caught up: their histories."""
    case_ids = demo.seed(runtime.engine, "ukraine-nrm", cases, seed=seed)
    runtime.projections.catch_up()
    return {case_id: runtime.engine.history(case_id) for case_id in case_ids}


def month(entry: HistoryEntry) -> date:
    return entry.occurred_at.date().replace(day=1)


def region_of(runtime: Runtime, case_id: UUID) -> str:
    return runtime.engine.case(case_id).region


def nearest_rank(values: list[int], fraction: float) -> int | None:
    """The smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return next((v for i, v in enumerate(ordered, 1) if i >= fraction * len(ordered)), None)


def first(entries: list[HistoryEntry], *names: str) -> Iterator[HistoryEntry]:
    return (e for e in entries if e.event in names)


def test_status_decisions_agree_with_the_cases_histories(pg_runtime: Runtime) -> None:
    outcomes: dict[Key, Counter[str]] = defaultdict(Counter)
    days: dict[Key, list[int]] = defaultdict(list)
    decisions = {"StatusGranted": "granted", "StatusRefused": "refused"}
    decisions["ApplicationReturnedIncomplete"] = "incomplete"
    for case_id, entries in walked(pg_runtime, 30, seed=12).items():
        applied = next(first(entries, "StatusApplicationRegistered"), None)
        if applied is None:
            continue
        key = (region_of(pg_runtime, case_id), month(applied))
        latest = [e for e in entries if e.event in decisions][-1:]
        outcome = decisions[latest[0].event] if latest else "pending"
        outcomes[key][outcome] += 1
        if outcome in ("granted", "refused"):
            days[key].append((latest[0].occurred_at.date() - applied.occurred_at.date()).days)
    rows = {(r["region"], r["month"]): r for r in figures(pg_runtime, "status_decisions")}
    assert set(rows) == set(outcomes)
    for key, counted in outcomes.items():
        row = rows[key]
        assert row["applications"] == sum(counted.values())
        for outcome in ("granted", "refused", "incomplete", "pending"):
            assert row[outcome] == counted[outcome], (key, outcome)
        assert row["median_days_to_decision"] == nearest_rank(days[key], 0.5)
        assert row["p90_days_to_decision"] == nearest_rank(days[key], 0.9)


def test_referral_answers_and_rejection_reasons_agree_with_the_histories(
    pg_runtime: Runtime,
) -> None:
    answers: dict[Key, Counter[str]] = defaultdict(Counter)
    to_accept: dict[Key, list[int]] = defaultdict(list)
    for case_id, entries in walked(pg_runtime, 25, seed=13).items():
        region = region_of(pg_runtime, case_id)
        by_referral: dict[str, list[HistoryEntry]] = defaultdict(list)
        for entry in entries:
            if entry.referral_id is not None:
                by_referral[entry.referral_id].append(entry)
        for steps in by_referral.values():
            sent, events = steps[0], {e.event: e for e in steps}
            key = (region, month(sent), sent.data["agency"], sent.data["service"])
            counted = answers[key]
            counted["sent"] += 1
            counted["done"] += "ReferralCompleted" in events
            if "ReferralAccepted" in events:
                counted["accepted"] += 1
                accepted_on = events["ReferralAccepted"].occurred_at.date()
                to_accept[key].append((accepted_on - sent.occurred_at.date()).days)
            elif "ReferralRejected" in events:
                counted["rejected"] += 1
                counted[f"rejected.{events['ReferralRejected'].data['rejection_reason']}"] += 1
            elif "ReferralRevoked" in events:
                counted["revoked"] += 1
            else:
                counted["awaiting"] += 1
    rows = figures(pg_runtime, "referrals")
    found = {(r["region"], r["month"], r["agency"], r["service"]): r for r in rows}
    assert set(found) == set(answers)
    assert sum(c["rejected"] for c in answers.values()) > 0  # the walk did reject some
    for key, counted in answers.items():
        row = found[key]
        shown = {c: row[c] for c in ("sent", "accepted", "rejected", "revoked", "awaiting", "done")}
        shown.update({f"rejected.{r}": n for r, n in row["rejected_by_reason"].items()})
        columns = set(shown) | set(counted)
        assert {c: shown.get(c, 0) for c in columns} == {c: counted[c] for c in columns}, key
        assert row["median_days_to_accept"] == nearest_rank(to_accept[key], 0.5), key


def test_assistance_counts_people_and_days_from_status_like_the_histories(
    pg_runtime: Runtime,
) -> None:
    people: dict[Key, set[UUID]] = defaultdict(set)
    deliveries: Counter[Key] = Counter()
    after_status: dict[Key, list[int]] = defaultdict(list)
    firsts: Counter[Key] = Counter()
    for case_id, entries in walked(pg_runtime, 30, seed=21).items():
        region = region_of(pg_runtime, case_id)
        granted = next(first(entries, "StatusGranted"), None)
        seen: set[str] = set()
        for entry in sorted(first(entries, "AssistanceDelivered"), key=lambda e: e.occurred_at):
            kind = entry.data["assistance_type"]
            key = (region, month(entry), kind)
            people[key].add(case_id)
            deliveries[key] += 1
            if kind not in seen:
                seen.add(kind)
                firsts[key] += 1
                if granted is not None and granted.occurred_at.date() <= entry.occurred_at.date():
                    days = (entry.occurred_at.date() - granted.occurred_at.date()).days
                    after_status[key].append(days)
    rows = {
        (r["region"], r["month"], r["assistance_type"]): r
        for r in figures(pg_runtime, "assistance")
    }
    assert set(rows) == set(people) and rows
    for key, row in rows.items():
        assert (row["people"], row["deliveries"]) == (len(people[key]), deliveries[key]), key
        assert (row["first_served"], row["first_served_after_status"]) == (
            firsts[key],
            len(after_status[key]),
        ), key
        assert row["median_days_from_status"] == nearest_rank(after_status[key], 0.5), key
        assert row["p90_days_from_status"] == nearest_rank(after_status[key], 0.9), key


def test_the_funnel_agrees_with_the_cases_histories(pg_runtime: Runtime) -> None:
    stages = {
        "applied": "StatusApplicationRegistered",
        "identified": "VictimIdentified",
        "referred": "ReferralSent",
        "granted": "StatusGranted",
        "assisted": "AssistanceDelivered",
    }
    reached: dict[Key, Counter[str]] = defaultdict(Counter)
    for case_id, entries in walked(pg_runtime, 25, seed=22).items():
        counted = reached[(region_of(pg_runtime, case_id), month(entries[0]))]
        counted["screened"] += 1
        events = {e.event for e in entries}
        counted.update(stage for stage, name in stages.items() if name in events)
    rows = {(r["region"], r["cohort"]): r for r in figures(pg_runtime, "funnel")}
    assert set(rows) == set(reached)
    for key, counted in reached.items():
        assert {c: rows[key][c] for c in ("screened", *stages)} == {
            c: counted[c] for c in ("screened", *stages)
        }
        assert rows[key]["applied_rate"] == round(counted["applied"] / counted["screened"], 3)


def test_a_filtered_dashboard_shows_whole_rows_exactly_as_the_unfiltered_one(
    pg_runtime: Runtime,
) -> None:
    walked(pg_runtime, 30, seed=14)
    today = pg_runtime.engine.clock().date()
    for name, period in (
        ("status_decisions", "month"),
        ("referrals", "month"),
        ("funnel", "cohort"),
    ):
        every = report(pg_runtime.projections, name, k=3, today=today).published.rows
        assert every, name
        some = every[len(every) // 2]
        chosen = date.fromisoformat(str(some[period]))
        # a period from mid-month to mid-month selects those whole months, never part of one
        filtered = report(
            pg_runtime.projections,
            name,
            k=3,
            today=today,
            region=str(some["region"]),
            start=chosen.replace(day=10),
            end=chosen.replace(day=20),
        )
        assert filtered.start == chosen
        assert filtered.end is not None and filtered.end.month != (filtered.end + DAY).month
        expected = [r for r in every if r["region"] == some["region"] and r[period] == some[period]]
        assert len(filtered.published.rows) == len(expected), name
        for shown, same in zip(filtered.published.rows, expected, strict=True):
            # breakdown columns of categories other rows have are zeros, never suppressed
            assert shown == {c: same[c] for c in shown}, name
            assert all(same[c] == 0 for c in same if c not in shown), name


ANALYST_MODELS = ("status_decisions", "referrals", "assistance", "funnel")


def test_summaries_kept_through_tiny_live_batches_equal_a_rebuild_table_for_table(
    pg_runtime: Runtime,
) -> None:
    # Three events a batch: every intermediate answer of a referral reaches the summaries (and
    # leaves them again), which a rebuild folding whole cases at once never sees.
    pg_runtime.projections.live_batch = 3
    walked(pg_runtime, 8, seed=23)
    live = {name: read_model_tables(pg_runtime, name) for name in ANALYST_MODELS}
    for name in ANALYST_MODELS:
        pg_runtime.projections.rebuild(name)
    assert {name: read_model_tables(pg_runtime, name) for name in ANALYST_MODELS} == live


def read_model_tables(runtime: Runtime, name: str) -> dict[str, list[tuple[Any, ...]]]:
    options = f"-c search_path={runtime.settings.database_schema}"
    with psycopg.connect(runtime.projections.url, options=options) as conn:
        schema = runtime.projections.active_schema(conn, name)
        found = {}
        for (table,) in conn.execute(
            "select tablename from pg_tables where schemaname = %s and tablename <> '_tracking'",
            [schema],
        ).fetchall():
            rows = conn.execute(sql.SQL("select * from {}").format(sql.Identifier(schema, table)))
            found[table] = sorted(rows, key=repr)
        return found


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
