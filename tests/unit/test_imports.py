"""Importing a past register (in memory): each row a backdated case or a refusal naming its column,
all or nothing per row, again without duplicates, a dry run writing nothing, stop and resume."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from referral_engine.application.demo_register import synthetic_register
from referral_engine.application.importing import BATCH, Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import ImportMappingInvalid, RegisterUnreadable
from referral_engine.domain.imports import case_id_of
from tests.factories import START, FixedClock, with_synthetic_agencies

MAPPING = (PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml").read_text()
ADMIN = Actor("admin.import", "admin", "mlsp")
BAD_COLUMNS = {
    "unknown sex": "Стать",
    "impossible date": "Дата виявлення",
    "unknown state": "Стан",
    "date out of order": "Дата заяви",
    "no row id": "№ з/п",
    "repeated row id": "№ з/п",
    "unknown region": "Область",
    "no name": "ПІБ",
    "control character": "ПІБ",
    "step without its date": "Дата заяви",
}


def imports() -> Imports:
    engine = with_synthetic_agencies(build_in_memory(clock=FixedClock()))
    return Imports(engine.store, engine.workflows, engine.clock)


def test_rows_become_backdated_cases_and_bad_rows_are_reported_with_their_column() -> None:
    data, expected = synthetic_register(120, bad=20)
    importer = imports()
    report = importer.run(read_register(data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    assert report.counts["imported"] == expected.good == 120
    assert report.counts["refused"] == 20
    refused = {r.row: r for r in report.listed}
    assert set(refused) == set(expected.bad)
    assert Counter(expected.bad.values()) == Counter(dict.fromkeys(BAD_COLUMNS, 2))
    for row, kind in expected.bad.items():
        columns = {column for column, _ in refused[row].problems}
        assert columns == {BAD_COLUMNS[kind]}, (kind, refused[row].problems)
    states = Counter(importer.store.repository.get(case_id_of("mlsp-status-register", str(n))).state
                     for n in range(1, 141) if n + 1 not in expected.bad)  # fmt: skip
    assert states == expected.states


def test_an_imported_case_is_dated_by_its_row_recorded_now_and_marked_with_file_and_row() -> None:
    data, _ = synthetic_register(3)
    importer = imports()
    register = read_register(data, "r.csv")
    importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN)
    number, cells = register.rows[0]
    events = list(importer.store.events.get(case_id_of("mlsp-status-register", "1")))
    opened, mark = events[0], events[-1]
    assert isinstance(opened, Case.Opened) and isinstance(mark, Case.Imported)
    day, month, year = str(cells["Дата виявлення"]).split(".")
    assert opened.occurred_at.date() == date(int(year), int(month), int(day)) < START.date()
    assert {e.timestamp for e in events} == {START}  # recorded at the import
    assert (mark.row, mark.row_id, mark.file_digest) == (number, "1", register.digest)
    assert mark.events == len(events) - 1
    steps = [e for e in events if isinstance(e, Case.StepTaken)]
    assert all(e.backdating and e.backdating["confirmed_by"] == "import" for e in steps)
    assert opened.data["person_name"] == cells["ПІБ"]


def test_the_same_file_again_adds_nothing_and_a_changed_row_is_reported_not_applied() -> None:
    data, _ = synthetic_register(30)
    importer = imports()
    importer.run(read_register(data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    again = importer.run(read_register(data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dict(again.counts) == {"unchanged": 30}
    changed = data.decode("utf-8-sig").replace(";Oksana ", ";Oksanna ", 1).encode()
    report = importer.run(read_register(changed, "r2.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dict(report.counts) == {"unchanged": 29, "changed": 1}
    (row,) = report.listed
    assert row.problems == (
        (None, "differs from its case as imported (ПІБ); the case is left as it is"),
    )
    case = importer.store.repository.get(case_id_of("mlsp-status-register", str(row.row_id)))
    assert not str(case.data["person_name"]).startswith("Oksanna")


def test_a_dry_run_writes_nothing_and_reports_the_same() -> None:
    data, _ = synthetic_register(40, bad=10)
    importer = imports()
    register = read_register(data, "r.csv")
    dry = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN, dry_run=True)
    assert importer.store.recorder.max_notification_id() in (None, 0)
    real = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dry.counts == real.counts and dry.listed == real.listed
    assert dry.dry_run and not real.dry_run


def test_a_stopped_import_resumes_without_duplicates() -> None:
    data, _ = synthetic_register(BATCH + 30)
    importer = imports()
    register = read_register(data, "r.csv")
    calls = iter([False, True])
    first = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN, stop=lambda: next(calls))
    assert first.stopped and first.done == BATCH and first.counts["imported"] == BATCH
    rest = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dict(rest.counts) == {"unchanged": BATCH, "imported": 30}
    opened = importer.store.recorder.select_notifications(1, 10**6, topics=[_topic(Case.Opened)])
    assert len(opened) == BATCH + 30


def test_an_erased_case_is_never_imported_again() -> None:
    data, _ = synthetic_register(2)
    engine = with_synthetic_agencies(build_in_memory(clock=FixedClock()))
    importer = Imports(engine.store, engine.workflows, engine.clock)
    importer.run(read_register(data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    engine.erase_personal_data(case_id_of("mlsp-status-register", "1"), "request", actor=ADMIN)
    again = importer.run(read_register(data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    assert again.counts == Counter({"unchanged": 1, "erased": 1})


def test_xlsx_and_csv_import_alike() -> None:
    csv_data, _ = synthetic_register(25, bad=5, seed=3)
    xlsx_data, _ = synthetic_register(25, bad=5, seed=3, xlsx=True)
    by_csv = imports().run(read_register(csv_data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    by_xlsx = imports().run(read_register(xlsx_data, "r.xlsx"), "ukraine-nrm", MAPPING, actor=ADMIN)
    assert by_csv.counts == by_xlsx.counts
    assert [r.problems for r in by_csv.listed] == [r.problems for r in by_xlsx.listed]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("register: mlsp-status-register", "register: lower-case"),
        ("    - {step: register_application", "is not a step from"),
        ("  \"ПІБ\": person_name", "needs person_name"),
        ("opening: {on: screened}", "`on` must name a date column"),
        ("    after: identified\n    steps: [{step: grant_status",
         "`after` must name a state"),
        ("    \"статус встановлено\": status_granted", "which no path reaches"),
    ],
)  # fmt: skip
def test_a_mapping_that_does_not_fit_the_workflow_is_refused_before_any_row(
    change: str, problem: str
) -> None:
    spoiled = {
        "register: mlsp-status-register": "register: MLSP register",
        "    - {step: register_application": "    - {step: grant_status",
        "  \"ПІБ\": person_name": "  \"ПІБ\": {date: name_day}",
        "opening: {on: screened}": "opening: {on: nowhere}",
        "    after: identified\n    steps: [{step: grant_status":
            "    after: nowhere\n    steps: [{step: grant_status",
        "    \"статус встановлено\": status_granted": "    \"статус встановлено\": status_expired",
    }[change]  # fmt: skip
    assert change in MAPPING
    with pytest.raises(ImportMappingInvalid) as refused:
        imports().mapping("ukraine-nrm", MAPPING.replace(change, spoiled, 1))
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_unreadable_yaml_and_missing_columns_are_refused() -> None:
    with pytest.raises(ImportMappingInvalid, match="not readable YAML at line 2"):
        imports().mapping("ukraine-nrm", "register: x\n  bad: [")
    register = read_register("№ з/п;Стан\n1;виявлено\n".encode(), "r.csv")
    with pytest.raises(ImportMappingInvalid, match="the file has no column 'ПІБ'"):
        imports().run(register, "ukraine-nrm", MAPPING, actor=ADMIN)


@pytest.mark.parametrize(
    ("data", "name", "problem"),
    [
        (b"", "r.csv", "empty"),
        (b"a;b\n1;2\n", "r.txt", "must end in .csv or .xlsx"),
        (b"a;a\n1;2\n", "r.csv", "named twice"),
        (b"a;b\n1;2;3\n", "r.csv", "more cells"),
        (b"not a zip", "r.xlsx", "not a readable XLSX"),
        (b"a;\x00b\n1;2\n", "r.csv", "bad one"),
    ],
)
def test_a_file_that_is_not_a_register_is_refused(data: bytes, name: str, problem: str) -> None:
    with pytest.raises(RegisterUnreadable, match=problem):
        read_register(data, name)


def test_a_windows_1251_csv_reads_like_utf8() -> None:
    text = "№ з/п;Стан\n1;виявлено\n"
    assert (
        read_register(text.encode("cp1251"), "r.csv").rows
        == read_register(text.encode(), "r.csv").rows
    )


def _topic(cls: type) -> str:
    from eventsourcing.utils import get_topic

    return get_topic(cls)


def test_a_row_imported_as_it_stands_is_settled_without_being_built_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from referral_engine.application import importing

    data, _ = synthetic_register(20)
    importer = imports()
    register = read_register(data, "r.csv")
    importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN)
    built: list[int] = []
    real = importing.build_case
    monkeypatch.setattr(importing, "build_case", lambda *a: built.append(1) or real(*a))
    again = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dict(again.counts) == {"unchanged": 20} and not built
    with_region = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN, region="UA-32")
    assert len(built) == 20  # another region for the file: every row compared in full
    assert with_region.counts["changed"] > 0


def test_a_fact_derived_since_the_import_is_no_difference_of_the_row() -> None:
    from types import SimpleNamespace

    from referral_engine.domain.imports import differences

    at = datetime(2021, 3, 1, tzinfo=UTC)
    stored = [SimpleNamespace(name="Screened", region="UA-32", occurred_at=at, data={"a": 1})]
    derived_now = {"a": 1, "exploitation_country": "PL"}
    again = [SimpleNamespace(name="Screened", region="UA-32", occurred_at=at, data=derived_now)]
    assert differences(stored, again, {"exploitation_country"}) == ([], [])
    assert differences(stored, again) == (["exploitation_country"], [])
    changed = [SimpleNamespace(name="Screened", region="UA-32", occurred_at=at, data={"a": 2})]
    assert differences(stored, changed, {"exploitation_country"}) == (["a"], [])
