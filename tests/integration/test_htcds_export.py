"""The HTCDS export on PostgreSQL (issue #21's acceptance): 5,000 synthetic cases shaped like
Ukraine's, imported once for the module, exported with k = 5 and k = 11: every column an HTCDS
field, every value in its picklist or of its type (or an empty cell), generalised values too,
the country of exploitation matched from the register's free text, pycanon confirming
k-anonymity, no personal value anywhere, the same bytes twice, the XLSX read back; an erased case
never exported, and its erasure's audit entry naming the exports that held it."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date

import openpyxl
import pandas as pd
import pytest
from pycanon import anonymity

from referral_engine.adapters.htcds_exports import wired_exports
from referral_engine.application.demo_htcds import mapping, register
from referral_engine.application.htcds_export import DEFAULT_QUASI, ExportRequest
from referral_engine.application.importing import Imports
from referral_engine.application.ports import AuditNote
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import PROJECT_ROOT, Settings
from referral_engine.domain.commands import Actor
from referral_engine.domain.htcds import FIELDS
from referral_engine.domain.reporting import COUNTRIES
from tests.factories import FixedClock
from tests.pg import drop_schemas
from tests.unit.test_imports import ADMIN

pytestmark = pytest.mark.postgres
MARKER = "Zrazok Markerenko"
CASES = 5_000


@pytest.fixture(scope="module")
def runtime(pg_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """5,000 synthetic cases imported once (about 15 s)."""
    schema = f"h_{uuid.uuid4().hex[:12]}"
    home = tmp_path_factory.mktemp("home")
    settings = Settings(database_url=pg_database_url, database_schema=schema, home=home)
    try:
        with build(settings, clock=FixedClock()) as rt:
            data = register(CASES, marker=MARKER, years=(2021, 2025))
            imports = Imports(rt.engine.store, rt.engine.workflows, rt.engine.clock)
            text = mapping(PROJECT_ROOT)
            report = imports.run(read_register(data, "r.csv"), "ukraine-nrm", text, actor=ADMIN)
            assert report.counts["imported"] == CASES
            yield rt
    finally:
        drop_schemas(pg_database_url, schema)


def period(rt: Runtime, **kw: object) -> ExportRequest:
    """Every case imported: opened from 2021, as the log stands now (the import's day)."""
    return ExportRequest(date(2021, 1, 1), rt.engine.clock().date(), **kw)  # type: ignore[arg-type]


def allowed(column: str, value: str) -> bool:
    """A value of the field's picklist (a country: an ISO 3166-1 code; a multiselect: each
    part), of its type where it has no picklist (a number of years; a date: its year), or an
    empty cell; nothing else, whatever the generalisation (docs/htcds.md)."""
    return value == "" or FIELDS[column].allows(value)


@pytest.mark.parametrize("k", [5, 11])
def test_the_csv_holds_htcds_fields_and_values_only_and_is_k_anonymous(
    runtime: Runtime, k: int
) -> None:
    found, _ = wired_exports(runtime).make(period(runtime, k=k), by="stat.one")
    rows = list(csv.DictReader(io.StringIO(found.content.decode())))
    assert set(rows[0]) <= set(FIELDS)
    assert not any(FIELDS[c].identifying for c in rows[0])
    for row in rows:
        for column, value in row.items():
            assert allowed(column, value), (column, value)
    assert {r["hte_Country"] for r in rows} <= {*COUNTRIES, ""}
    assert {r["hte_Type"] for r in rows} == {"Exploitation"}
    frame = pd.DataFrame(rows)[list(DEFAULT_QUASI)]
    assert anonymity.k_anonymity(frame, list(DEFAULT_QUASI)) >= k
    assert found.considered == CASES
    assert found.suppressed == CASES - len(rows)
    assert found.suppressed <= CASES * 0.05
    assert set(found.generalisations) == set(DEFAULT_QUASI)
    # women a majority, mostly labour exploitation: the data kept its shape
    genders = [r["prs_Gender"] for r in rows]
    assert genders.count("Feminine") > len(rows) / 2 or set(genders) == {"NonSpecifiedUnknown"}


def test_the_country_of_exploitation_typed_as_text_is_exported_as_its_code(
    runtime: Runtime,
) -> None:
    """The register's free text (Ukrainian, English or Russian names, any apostrophe) matched to
    ISO 3166-1 codes; text naming no country left empty."""
    quasi = ("prs_Gender", "hte_Country")
    found, _ = wired_exports(runtime).make(period(runtime, k=11, quasi=quasi), by="stat.one")
    assert found.generalisations["hte_Country"] == "as recorded"
    rows = list(csv.DictReader(io.StringIO(found.content.decode())))
    countries = Counter(r["hte_Country"] for r in rows)
    assert {"UA", "RU", "PL", "CZ", "DE", "AE", ""} <= set(countries) <= {*COUNTRIES, ""}
    assert countries["RU"] > countries["CZ"] > 0  # Росія and Россия, Чехія and Czechia


def test_no_personal_value_reaches_the_file_and_the_same_inputs_give_the_same_bytes(
    runtime: Runtime,
) -> None:
    first, _ = wired_exports(runtime).make(period(runtime), by="stat.one")
    again, _ = wired_exports(runtime).make(period(runtime), by="stat.two")
    assert MARKER.encode() not in first.content
    assert b"Markerenko" not in first.content
    assert first.content == again.content
    assert first.digest == again.digest
    xlsx, _ = wired_exports(runtime).make(period(runtime, format="xlsx"), by="stat.one")
    xlsx_again, _ = wired_exports(runtime).make(period(runtime, format="xlsx"), by="stat.one")
    assert xlsx.content == xlsx_again.content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    read = list(sheet.iter_rows(values_only=True))
    assert list(read[0]) == list(first.columns)
    assert len(read) - 1 == len(first.rows)


def test_an_erased_case_is_never_exported_and_its_erasure_names_the_files_to_recall(
    runtime: Runtime,
) -> None:
    before, export_id = wired_exports(runtime).make(period(runtime, k=2), by="stat.one")
    case_id = before.cases[0]
    assert str(export_id) in [r["export"] for r in wired_exports(runtime).recalls(case_id)]
    note = AuditNote("case.erase", "POST", "/api/cases/x/erase", 200, "admin.one", "admin")
    runtime.engine.erase_personal_data(
        case_id, "lawful request", actor=Actor("admin.one", "admin", "mlsp"), audit=note
    )
    entries = runtime.audit.query(case_id=case_id)
    erasure = [e for e in entries if e.action == "case.erase"][-1]
    assert str(export_id) in [r["export"] for r in erasure.detail["exports_to_recall"]]
    after, _ = wired_exports(runtime).make(period(runtime, k=2), by="stat.one")
    assert case_id not in after.cases
    assert after.considered == before.considered - 1
