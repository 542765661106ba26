"""A workflow's words in other languages (`labels:`): checked against the file, complete for the
shipped Ukraine files, and English wherever a language has no word yet."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from referral_engine.workflows.loader import lint_file, load_file, parse
from tests.factories import WORKFLOWS
from tests.unit.test_workflow_loader import shipped, write

UKRAINE_FILES = [WORKFLOWS / "ukraine-nrm.yaml", WORKFLOWS / "ukraine-nrm-v2.yaml"]


@pytest.mark.parametrize("path", UKRAINE_FILES, ids=lambda p: p.name)
def test_the_shipped_ukraine_files_label_everything_in_ukrainian(path: Path) -> None:
    assert lint_file(path, labels=True) == []
    words = load_file(path).labels["uk"]
    assert words["state.screened"] == "Виявлено за індикаторами, скеровано до МДА"
    assert words["step.record_consent.signed_on"] == "Дата підписання"
    assert words["value.legal_representative"] == "законний представник"


def test_lint_names_a_label_for_a_name_the_file_does_not_declare(tmp_path: Path) -> None:
    doc = shipped()
    doc["labels"]["uk"]["states"]["screned"] = "Виявлено"
    doc["labels"]["uk"]["transitions"]["grant_status"]["fields"]["valid_till"] = "До"
    doc["labels"]["uk"]["values"]["polise"] = "поліція"
    parse(
        doc, base=WORKFLOWS
    )  # loads: such a label is never shown, and a new version may drop a name
    assert lint_file(write(tmp_path, doc)) == [
        "labels.uk.states.screned: no state named 'screned' in this file",
        "labels.uk.transitions.grant_status.fields.valid_till: no field named 'valid_till' in "
        "this file",
        "labels.uk.values.polise: no enum value named 'polise' in this file",
    ]


def test_english_labels_are_refused_the_titles_are_the_english_words() -> None:
    doc = shipped()
    doc["labels"]["en"] = {"states": {"screened": "Screened"}}
    with pytest.raises(InvalidWorkflow, match=r"labels\.en: the file's own titles are its English"):
        parse(doc, base=WORKFLOWS)


def test_an_unknown_label_key_and_a_bad_language_code_are_refused() -> None:
    doc = shipped()
    doc["labels"]["uk"]["statez"] = {}
    doc["labels"]["Ukrainian"] = {}
    with pytest.raises(InvalidWorkflow) as refused:
        parse(doc, base=WORKFLOWS)
    assert "labels.uk.statez: unknown key" in str(refused.value)
    assert "labels.Ukrainian" in str(refused.value)


def test_lint_with_labels_lists_what_a_language_does_not_label_yet(tmp_path: Path) -> None:
    doc = shipped()
    del doc["labels"]["uk"]["states"]["closed"]
    del doc["labels"]["uk"]["values"]["hotline"]
    path = write(tmp_path, doc)
    assert lint_file(path) == []  # by default lint leaves a translation in progress alone
    assert lint_file(path, labels=True) == [
        "labels.uk: no label for state.closed (shown in English)",
        "labels.uk: no label for value.hotline (shown in English)",
    ]


UK_FILES = sorted(WORKFLOWS.glob("uk-nrm*.yaml"))


@pytest.mark.parametrize("path", UK_FILES, ids=lambda p: p.name)
def test_the_shipped_uk_files_label_everything_in_ukrainian(path: Path) -> None:
    """Every version, the later ones inheriting version 1's labels less the names they drop."""
    assert lint_file(path, labels=True) == []
    words = load_file(path).labels["uk"]
    assert words["state.referred"] == "Перенаправлено до НМП; очікується рішення RG"
    assert words["value.police"] == "поліція"


def test_a_workflow_without_labels_reads_in_english_in_any_language() -> None:
    path = WORKFLOWS / "uk-nrm.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    del doc["labels"]
    uk_nrm = parse(doc, base=WORKFLOWS)
    assert uk_nrm.labels == {}
    words = WorkflowText(uk_nrm, "uk")
    first = next(iter(uk_nrm.states.values()))
    assert words.title == uk_nrm.title and words.state(first.name) == (first.title or first.name)


def test_ukrainian_words_fall_back_to_english_one_by_one() -> None:
    doc = shipped()
    del doc["labels"]["uk"]["transitions"]["grant_status"]
    ukraine = parse(doc, base=WORKFLOWS)
    words = WorkflowText(ukraine, "uk")
    grant = next(t for t in ukraine.transitions if t.trigger == "grant_status")
    assert words.step("grant_status") == "Grant the status"
    assert words.field(grant.fields[0], words.step_key("grant_status")) == "Certificate number"
    assert words.step("refuse_status") == "Відмовити у встановленні статусу"
    assert words.step("send_referral") == "Перенаправити особу до установи"
    assert words.step("accept", "r1") == "Прийняти перенаправлення"
    assert words.data_value("indicators", ["deception", "isolation"]) == ["обман", "ізоляція"]
    assert words.data_value("person_name", "deception") == "deception"  # not an enum field
