"""Attacks on the register import (in memory): mappings written carelessly or with hostile
intent, files that read wrong, rows that would crash the import or leak personal data. Each test
is a defect found by attacking the import; it failed before its fix."""

from __future__ import annotations

import time
from typing import Any

import pytest

from referral_engine.application.demo_register import synthetic_register
from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import ImportMappingInvalid, RegisterUnreadable
from referral_engine.domain.imports import case_id_of
from tests.factories import FixedClock, with_synthetic_agencies

MAPPING = (PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml").read_text()
ADMIN = Actor("admin.import", "admin", "mlsp")


def imports() -> Imports:
    engine = with_synthetic_agencies(build_in_memory(clock=FixedClock()))
    return Imports(engine.store, engine.workflows, engine.clock)


def spoiled(old: str, new: str) -> str:
    """The shipped mapping with one change (which must apply)."""
    assert old in MAPPING, old
    return MAPPING.replace(old, new, 1)


def refusal(mapping: str) -> list[str]:
    """The problems a mapping is refused with (it must be refused, not crash)."""
    with pytest.raises(ImportMappingInvalid) as refused:
        imports().mapping("ukraine-nrm", mapping)
    return list(refused.value.problems)


# -- the mapping as YAML ------------------------------------------------------------------------


def test_a_key_written_twice_is_refused_not_silently_the_last() -> None:
    twice = spoiled('  "ПІБ": person_name\n', '  "ПІБ": person_name\n  "ПІБ": person_name\n')
    assert any("'ПІБ' is written twice" in p for p in refusal(twice))


def test_deeply_nested_yaml_is_refused_not_a_recursion_error() -> None:
    deep = MAPPING + "extra: " + "[" * 20_000 + "]" * 20_000 + "\n"
    assert any("nested more than" in p for p in refusal(deep))


def test_an_alias_bomb_is_refused_before_any_row() -> None:
    levels = ["&l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"&l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 8)]
    bomb = spoiled("scope: [status_application, data_sharing]", f"scope: [{', '.join(levels)}]")
    started = time.perf_counter()
    assert any("expands to more than" in p for p in refusal(bomb))
    assert time.perf_counter() - started < 5


def test_anchors_and_aliases_of_a_small_mapping_still_work() -> None:
    shared = spoiled("data: {given_by: person,", "data: {given_by: &who person,")
    shared = shared.replace("data: {applicant: person,", "data: {applicant: *who,", 1)
    assert "*who," in shared
    _, checked, _ = imports().mapping("ukraine-nrm", shared)
    assert checked.paths["application_registered"][2].data["applicant"] == "person"


# -- the mapping's meaning ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('"ПІБ": person_name', '"ПІБ": {field: [person_name]}', "'ПІБ': field must be"),
        ("{date: screened}", "{date: [screened]}", "'Дата виявлення': date must be"),
        ("opening: {on: screened}", "opening: {on: [screened]}", "`on` must name a date column"),
        ('"Стать": {field: sex,', '"Стать": {field: sex, separator: [","],', "separator must be"),
    ],
)
def test_a_list_where_a_name_belongs_is_refused_not_a_type_error(
    old: str, new: str, problem: str
) -> None:
    assert any(problem in p for p in refusal(spoiled(old, new)))


def test_a_field_filled_by_two_columns_is_refused() -> None:
    police = '"Підрозділ поліції": {field: police_unit,'
    both = spoiled(police, '"Підрозділ поліції": {field: application_number,')
    twice = (
        "columns: application_number is filled by two columns: 'Номер заяви', 'Підрозділ поліції'"
    )
    assert twice in refusal(both)


def test_row_ids_from_a_personal_column_are_refused() -> None:
    """A row's id is kept in the clear (the case's id derives from it, its CaseImported event and
    every step's confirmation name it): an application number must not be it."""
    personal = spoiled('row_id: "№ з/п"', 'row_id: "Номер заяви"')
    problems = refusal(personal)
    assert any(p.startswith("row_id: 'Номер заяви' fills application_number") for p in problems)


@pytest.mark.parametrize("value", ["femme", "[female]", "{a: 1}", "null", "5"])
def test_a_word_mapped_to_a_value_the_field_refuses_is_refused_before_any_row(value: str) -> None:
    problems = refusal(spoiled('"ж": female', f'"ж": {value}'))
    assert any(p.startswith("columns: 'Стать': 'ж' maps to a value sex refuses") for p in problems)


def test_an_empty_cell_takes_the_word_the_mapping_gives_to_empty() -> None:
    """The shipped mapping says `"": other_unknown` for the sex column: it was never used, as an
    empty cell was no value before its words were looked up (the row was refused: required)."""
    data, _ = synthetic_register(3)
    lines = data.decode("utf-8-sig").split("\n")
    lines[1] = lines[1].replace(";ж;", ";;", 1).replace(";чол.;", ";;", 1).replace(";ч;", ";;", 1)
    importer = imports()
    register = read_register("\n".join(lines).encode(), "r.csv")
    report = importer.run(register, "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dict(report.counts) == {"imported": 3}, report.listed
    case = importer.store.repository.get(case_id_of("mlsp-status-register", "1"))
    assert case.data["sex"] == "other_unknown"


# -- rows ---------------------------------------------------------------------------------------


def test_a_constant_naming_a_date_column_empty_on_the_row_refuses_that_row_only() -> None:
    """Consent signed on the interview's date: rows not yet interviewed crashed the whole
    import (AttributeError on the empty date), after earlier batches were written. (The rows
    interviewed are refused too, by the column: their consent would be signed after the day it
    was recorded, the application's.)"""
    dated = spoiled("signed_on: $applied", "signed_on: $interviewed")
    data, expected = synthetic_register(60)
    report = imports().run(read_register(data, "r.csv"), "ukraine-nrm", dated, actor=ADMIN)
    not_interviewed = expected.states["application_registered"]
    assert not_interviewed and report.counts["imported"] == expected.states["screened"]
    problems = [p for r in report.listed for p in r.problems]
    consent = "“Record informed consent to referral and data sharing”"
    empty = ("Дата співбесіди", f"is empty: the step {consent} takes signed_on from it")
    assert problems.count(empty) == not_interviewed
    later = f"the step {consent}: signed_on must not be later than "
    others = [p for p in problems if p != empty]
    assert others and all(c == "Дата співбесіди" and m.startswith(later) for c, m in others)


def test_an_unexpected_error_in_one_row_refuses_that_row_and_the_others_go_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from referral_engine.application import importing

    real = importing.build_case

    def fragile(*args: Any, **kwargs: Any) -> Any:
        if args[3].row_id == "2":
            raise KeyError("a defect in the engine")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "build_case", fragile)
    data, _ = synthetic_register(3)
    report = imports().run(read_register(data, "r.csv"), "ukraine-nrm", MAPPING, actor=ADMIN)
    assert dict(report.counts) == {"imported": 2, "refused": 1}
    (row,) = report.listed
    assert row.row_id == "2"
    assert row.problems == ((None, "could not be checked (an error in the engine: KeyError)"),)


# -- files --------------------------------------------------------------------------------------


def test_commas_inside_quoted_column_names_do_not_make_comma_the_delimiter() -> None:
    text = '"Прізвище, ім\'я";"Дата, виявлення";"Область, район";№\nА;01.01.2020;Київ;1\n'
    register = read_register(text.encode(), "r.csv")
    assert register.columns == ("Прізвище, ім'я", "Дата, виявлення", "Область, район", "№")
    assert register.rows[0][1]["№"] == "1"


def test_a_column_name_on_two_lines_reads() -> None:
    register = read_register('"ПІБ\nповністю";Стан;№\nА;виявлено;1\n'.encode(), "r.csv")
    assert register.columns == ("ПІБ повністю", "Стан", "№")


def test_a_csv_saved_as_unicode_text_by_excel_reads_like_utf8() -> None:
    """Excel's "Unicode text" is UTF-16 with a byte-order mark, tab-separated: it read as
    Windows-1251 garbage ("column 1 of the first row has no name")."""
    text = "№ з/п\tСтан\n1\tвиявлено\n"
    utf16 = read_register(text.encode("utf-16"), "r.csv")
    assert utf16.rows == read_register(text.encode(), "r.csv").rows


def test_a_utf8_file_with_one_broken_byte_is_refused_not_read_as_windows_1251() -> None:
    """Read as Windows-1251, every name of the file became mojibake, stored as given."""
    data = "№;ПІБ\n1;Олена Петренко\n2;Ірина\n".encode() + b"3;\xd0\n"
    with pytest.raises(
        RegisterUnreadable,
        match=r"UTF-8 text but for 1 byte sequence\(s\) that are not \(the first on line 4\)",
    ):
        read_register(data, "r.csv")
