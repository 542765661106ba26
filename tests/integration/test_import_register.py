"""Importing a past register on PostgreSQL (issue #16's acceptance): a 10,000-row register with
known counts imports once for the whole module, and every statistics report gives back the counts
the register holds; importing it again adds nothing; an erased case stays erased and no name, date
of birth or application number of the register is found in a `pg_dump`. Bad rows, a dry run,
two imports at once and the XLSX form each get a schema of their own (small registers).
Stopping and killing the command halfway: test_import_register_stops.py."""

from __future__ import annotations

import re
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.utils import get_topic
from psycopg import sql

from referral_engine.application.demo_register import REGION_CODES, Expected, synthetic_register
from referral_engine.application.importing import ImportReport, Imports
from referral_engine.application.registers import read_register
from referral_engine.application.statistics import Request
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.case import Case
from referral_engine.domain.imports import case_id_of
from tests.factories import FixedClock
from tests.integration.test_backup_restore import client_tools
from tests.pg import drop_schemas
from tests.unit.test_imports import ADMIN, BAD_COLUMNS, MAPPING

ROWS = 10_000
REGISTER = "mlsp-status-register"
WORKFLOW = "ukraine-nrm"
EVER = (date(2000, 1, 1), date(2030, 12, 31))
"""A period holding every date of the synthetic register (2012 to early 2026)."""
PENDING = ("application_registered", "awaiting_verification", "identified")
DECIDED_OR_IDENTIFIED = ("identified", "status_granted", "status_refused")
ERASED = {"redacted": "erased"}


@dataclass(frozen=True)
class Imported:
    """The module's register, imported once: the runtime on its schema, the file, what it
    holds, and the first import's report."""

    runtime: Runtime
    data: bytes
    expected: Expected
    report: ImportReport


@contextmanager
def fresh_runtime(database_url: str, home: Path) -> Iterator[Runtime]:
    """The engine on a schema of its own (dropped afterwards, read-model schemas with it)."""
    schema = f"i_{uuid.uuid4().hex[:12]}"
    settings = Settings(database_url=database_url, database_schema=schema, home=home)
    try:
        with build(settings, clock=FixedClock()) as runtime:
            yield runtime
    finally:
        drop_schemas(database_url, schema)


def run_import(
    runtime: Runtime, data: bytes, name: str = "register.csv", **kw: Any
) -> ImportReport:
    imports = Imports(runtime.engine.store, runtime.engine.workflows, runtime.engine.clock)
    return imports.run(read_register(data, name), WORKFLOW, MAPPING, actor=ADMIN, **kw)


def scalar(runtime: Runtime, query: str, *params: object) -> Any:
    with psycopg.connect(runtime.database_url) as conn:
        conn.execute(sql.SQL("set search_path to {}").format(sql.Identifier(runtime.db.schema)))
        row = conn.execute(query, list(params)).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


def histories(runtime: Runtime) -> dict[uuid.UUID, list[str]]:
    """Each case's event topics in stream order: what the import wrote, case by case."""
    with psycopg.connect(runtime.database_url) as conn:
        rows = conn.execute(
            sql.SQL(
                "select originator_id, array_agg(topic order by originator_version) "
                "from {} group by originator_id"
            ).format(sql.Identifier(runtime.db.schema, "cases_events"))
        ).fetchall()
    return {case_id: list(topics) for case_id, topics in rows}


def queue(runtime: Runtime) -> dict[uuid.UUID, tuple[str, str, str]]:
    """Each case's (region, state, workflow) in the case_queue read model, read whole from its
    active schema (its `queue` query pages for a caseworker, with each case's next deadline)."""
    with psycopg.connect(runtime.database_url) as conn:
        active = conn.execute(
            sql.SQL("select active_schema from {} where name = 'case_queue'").format(
                sql.Identifier(runtime.db.schema, "projection_registry")
            )
        ).fetchone()
        assert active is not None
        rows = conn.execute(
            sql.SQL("select case_id, region, state, workflow_id from {}").format(
                sql.Identifier(active[0], "case_queue")
            )
        ).fetchall()
    return {case_id: (region, state, workflow) for case_id, region, state, workflow in rows}


@pytest.fixture(scope="module")
def imported(pg_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    """10,000 rows imported once, the statistics and the queue rebuilt from the log (a rebuild
    computes the figures in one pass: half the time of catching up live, the same figures)."""
    data, expected = synthetic_register(ROWS)
    with fresh_runtime(pg_database_url, tmp_path_factory.mktemp("home")) as runtime:
        report = run_import(runtime, data)
        runtime.projections.rebuild_many(["statistics", "case_queue"])
        yield Imported(runtime, data, expected, report)


def figures(runtime: Runtime, report: str, *by: str, end: date = EVER[1]) -> dict[str, Any]:
    """A report's exact tables by measure name."""
    found = runtime.statistics.figures(Request(report, EVER[0], end, by, exact=True), k=5)
    return {table.measure.name: table for table in found.tables}


def by_row(table: Any) -> dict[str, Any]:
    """A one-dimensional table's rows that count something."""
    return {row: table.value(row) for row in table.rows if table.value(row)}


def test_every_row_becomes_a_case_in_the_state_its_row_names(imported: Imported) -> None:
    report, expected = imported.report, imported.expected
    assert dict(report.counts) == {"imported": ROWS} and not report.listed and not report.stopped
    topics = histories(imported.runtime)
    assert len(topics) == ROWS
    assert set(topics) == {case_id_of(REGISTER, str(n)) for n in range(1, ROWS + 1)}
    assert all(t[0] == get_topic(Case.Opened) for t in topics.values())
    assert all(t[-1] == get_topic(Case.Imported) for t in topics.values())
    queued = queue(imported.runtime)
    assert set(queued) == set(topics)
    assert Counter(state for _, state, _ in queued.values()) == expected.states
    regions = Counter[str]()
    for (_, region), n in expected.screened.items():
        regions[region] += n
    assert Counter(region for region, _, _ in queued.values()) == regions
    assert {workflow for _, _, workflow in queued.values()} == {WORKFLOW}


def test_the_status_report_gives_the_registers_applications_and_decisions_by_year(
    imported: Imported,
) -> None:
    expected = imported.expected
    tables = figures(imported.runtime, "status", "year")
    assert by_row(tables["applications"]) == dict(expected.applied)
    assert by_row(tables["granted"]) == dict(expected.granted)
    assert by_row(tables["refused"]) == dict(expected.refused)
    assert tables["incomplete"].value("total") == 0
    assert tables["applications"].value("total") == sum(expected.applied.values())
    today = imported.runtime.engine.clock().date()  # after every date of the register
    stock = figures(imported.runtime, "status", end=today)
    assert stock["pending_at_end"].value("total") == sum(expected.states[s] for s in PENDING)


def test_the_identification_report_gives_the_screened_by_year_and_region(
    imported: Imported,
) -> None:
    expected = imported.expected
    tables = figures(imported.runtime, "identification", "year", "region")
    screened = tables["screened"]
    cells = {
        (year, region): screened.cells[(year, region)]
        for year in screened.rows
        for region in screened.columns
        if screened.cells[(year, region)]
    }
    assert cells == dict(expected.screened)
    assert screened.value("total", "total") == ROWS
    identified = figures(imported.runtime, "identification")["identified"]
    assert identified.value("total") == sum(expected.states[s] for s in DECIDED_OR_IDENTIFIED)
    by_region = by_row(figures(imported.runtime, "identification", "region")["screened"])
    assert set(by_region) == set(REGION_CODES.values())


def test_the_assistance_report_counts_nothing_the_register_does_not_hold(
    imported: Imported,
) -> None:
    """The register records no referral and no assistance: the report says none, not some."""
    tables = figures(imported.runtime, "assistance", "year")
    counted = {name: t.value("total") for name, t in tables.items() if t.measure.value == "count"}
    assert counted and set(counted.values()) == {0}


def test_importing_the_same_file_again_adds_nothing(imported: Imported) -> None:
    runtime = imported.runtime
    before = scalar(runtime, "select count(*) from cases_events")
    again = run_import(runtime, imported.data, "the-same-register-again.csv")
    assert dict(again.counts) == {"unchanged": ROWS} and not again.listed
    assert scalar(runtime, "select count(*) from cases_events") == before
    assert scalar(runtime, "select count(*) from case_keys") == ROWS


def test_an_erased_imported_case_reads_as_erased_and_is_not_imported_again(
    imported: Imported,
) -> None:
    runtime, row = imported.runtime, 17
    case_id = case_id_of(REGISTER, str(row))
    name = imported.expected.names[row - 1]
    assert runtime.engine.case(case_id).data["person_name"] == name
    runtime.engine.erase_personal_data(case_id, "Art. 17 request", actor=ADMIN)
    data = runtime.engine.case(case_id).data
    assert data["person_name"] == ERASED and data["date_of_birth"] == ERASED
    lines = imported.data.decode("utf-8-sig").split("\n")
    alone = f"{lines[0]}\n{lines[row]}\n".encode()
    before = scalar(runtime, "select count(*) from cases_events")
    again = run_import(runtime, alone, "one-row.csv")
    assert dict(again.counts) == {"erased": 1}
    assert scalar(runtime, "select count(*) from cases_events") == before
    assert runtime.engine.case(case_id).data["person_name"] == ERASED


def test_a_dump_of_the_database_holds_no_name_birth_date_or_application_number(
    imported: Imported, pg_database_url: str
) -> None:
    """Everything the engine keeps for the register (events, keys, read models) as pg_dump
    writes it, the events' bytes decoded from hex: the personal columns are sealed."""
    schema = imported.runtime.db.schema
    dump = subprocess.run(
        [str(client_tools(pg_database_url) / "pg_dump"), "--no-owner", "--data-only",
         f"--schema={schema}", f"--schema={schema}__*", pg_database_url],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert get_topic(Case.Imported).encode() in dump  # the events are there
    decoded = dump + b"".join(
        bytes.fromhex(h.decode()) for h in re.findall(rb"\\\\x([0-9a-f]+)", dump)
    )
    assert REGISTER.encode() in decoded[len(dump) :]  # the events' bytes were decoded
    assert b"(synthetic)" not in decoded  # every name of the register ends so
    assert re.search("З-\\d".encode(), decoded) is None  # application numbers
    register = read_register(imported.data, "register.csv")
    births = {str(cells["Дата народження"]) for _, cells in register.rows}
    births |= {".".join(reversed(b.split("."))).replace(".", "-") for b in set(births)}
    found = {d.decode() for d in re.findall(rb"\d{4}-\d\d-\d\d|\d\d\.\d\d\.\d{4}", decoded)}
    assert not found & births


def test_bad_rows_are_refused_with_their_column_and_leave_nothing(
    pg_database_url: str, tmp_path: Path
) -> None:
    data, expected = synthetic_register(450, bad=50, seed=11)
    register = read_register(data, "bad.csv")
    with fresh_runtime(pg_database_url, tmp_path) as runtime:
        report = run_import(runtime, data, "bad.csv")
        assert dict(report.counts) == {"imported": 450, "refused": 50}
        refused = {r.row: r for r in report.listed}
        assert set(refused) == set(expected.bad)
        assert Counter(expected.bad.values()) == Counter(dict.fromkeys(BAD_COLUMNS, 5))
        cells = dict(register.rows)
        for number, kind in expected.bad.items():
            problems = refused[number].problems
            assert {c for c, _ in problems} == {BAD_COLUMNS[kind]}, (kind, problems)
            assert all(p.strip() for _, p in problems)
            if kind in ("no row id", "repeated row id"):
                continue  # no case id of its own (a repeated one names the first row's case)
            case_id = case_id_of(REGISTER, str(cells[number]["№ з/п"]))
            assert scalar(runtime, "select count(*) from cases_events where originator_id = %s",
                          case_id) == 0, kind  # fmt: skip
            assert scalar(runtime, "select count(*) from case_keys where case_id = %s",
                          case_id) == 0, kind  # fmt: skip
        assert len(histories(runtime)) == 450
        first = case_id_of(REGISTER, "1")  # the id the repeated rows repeat: one case, once
        assert histories(runtime)[first].count(get_topic(Case.Imported)) == 1


def test_a_dry_run_on_a_fresh_schema_writes_nothing_and_reports_the_same(
    pg_database_url: str, tmp_path: Path
) -> None:
    data, expected = synthetic_register(1_000, bad=20, seed=5)
    with fresh_runtime(pg_database_url, tmp_path) as runtime:
        dry = run_import(runtime, data, dry_run=True)
        assert dict(dry.counts) == {"imported": expected.good, "refused": 20}
        assert scalar(runtime, "select count(*) from cases_events") == 0
        assert scalar(runtime, "select count(*) from case_keys") == 0
        real = run_import(runtime, data)
        assert (dry.counts, dry.listed) == (real.counts, real.listed)


def test_two_imports_of_one_file_at_once_write_each_row_once(
    pg_database_url: str, tmp_path: Path
) -> None:
    """Two processes' engines on one schema, started together on the same file: each row's
    case is written by one of them; the other finds it (or loses the race and says so)."""
    data, expected = synthetic_register(1_000, seed=9)
    with fresh_runtime(pg_database_url, tmp_path / "a") as first:
        second_settings = first.settings.model_copy(update={"home": tmp_path / "b"})
        with build(second_settings, clock=FixedClock()) as second:
            together = threading.Barrier(2)
            reports: dict[str, ImportReport] = {}

            def importing(name: str, runtime: Runtime) -> None:
                together.wait()
                reports[name] = run_import(runtime, data)

            threads = [threading.Thread(target=importing, args=p) for p in
                       (("first", first), ("second", second))]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert set(reports) == {"first", "second"}
            for report in reports.values():
                assert set(report.counts) <= {"imported", "unchanged"}
                assert sum(report.counts.values()) == expected.good
            assert sum(r.counts["imported"] for r in reports.values()) == expected.good
            topics = histories(first)
            assert len(topics) == expected.good
            assert all(t.count(get_topic(Case.Opened)) == 1 for t in topics.values())
            assert all(t.count(get_topic(Case.Imported)) == 1 for t in topics.values())
            first.projections.catch_up(["case_queue"])
            assert Counter(s for _, s, _ in queue(first).values()) == expected.states


def test_the_xlsx_form_of_a_register_imports_as_the_csv_form(
    pg_database_url: str, tmp_path: Path
) -> None:
    csv_data, expected = synthetic_register(300, bad=20, seed=3)
    xlsx_data, _ = synthetic_register(300, bad=20, seed=3, xlsx=True)
    with (
        fresh_runtime(pg_database_url, tmp_path / "csv") as by_csv,
        fresh_runtime(pg_database_url, tmp_path / "xlsx") as by_xlsx,
    ):
        from_csv = run_import(by_csv, csv_data, "register.csv")
        from_xlsx = run_import(by_xlsx, xlsx_data, "register.xlsx")
        assert from_csv.counts == from_xlsx.counts == Counter(imported=300, refused=20)
        assert [(r.row, r.problems) for r in from_csv.listed] == [
            (r.row, r.problems) for r in from_xlsx.listed
        ]
        assert histories(by_csv) == histories(by_xlsx)
        for runtime in (by_csv, by_xlsx):
            runtime.projections.catch_up(["statistics"])
        assert figures(by_csv, "status", "year") == figures(by_xlsx, "status", "year")
        case_id = case_id_of(REGISTER, "2")
        assert by_csv.engine.case(case_id).data == by_xlsx.engine.case(case_id).data
        assert len(expected.names) == 300
