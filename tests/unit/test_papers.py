"""Papers declared with a workflow (docs/workflows.md, "Papers"): `workflows validate` checks that
each template exists inside the workflow's folder, parses, stands alone, names only the paper's
fields and the printing's facts, and renders in the sandbox; a paper is printable only after its
event, until the event that ends it, and only to readers of everything personal it prints."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from markupsafe import Markup

from referral_engine.domain.papers import PaperNotAvailable, PaperSpec, moment_of, unreadable
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web import printing
from referral_engine.workflows.loader import WorkflowRegistry, load_file
from referral_engine.workflows.papers import ENV, Printed, template_problems
from tests.factories import UKRAINE, WORKFLOWS, ukraine

CERTIFICATE = PaperSpec(
    "status-certificate",
    {"en": "Certificate"},
    {"uk": "<p>{{ certificate_number }}</p>"},
    ("person_name", "certificate_number"),
    after=("StatusGranted", "StatusExtended"),
    until=("StatusExpired", "StatusTerminated"),
)


def shipped_v1() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((WORKFLOWS / "ukraine-nrm.yaml").read_text("utf-8"))
    return document


def problems_of(tmp_path: Path, paper: dict[str, Any], template: str = "") -> list[str]:
    """The problems `workflows validate` names for version 1 declaring only this paper, its
    template (if given) written as papers/mine.html beside it."""
    if template:
        (tmp_path / "papers").mkdir(exist_ok=True)
        (tmp_path / "papers" / "mine.html").write_text(template, encoding="utf-8")
    document = {**shipped_v1(), "papers": [paper]}
    path = tmp_path / "ukraine-nrm.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_file(path)
    except Exception as exc:
        return [line.split(": ", 1)[1] for line in str(exc).splitlines()]
    return []


def paper(**changes: Any) -> dict[str, Any]:
    found = {"id": "mine", "title": {"en": "Mine"}, "template": {"en": "papers/mine.html"},
             "fields": ["person_name"]}  # fmt: skip
    return {**found, **changes}


def test_every_shipped_version_declares_its_papers_with_templates_that_render() -> None:
    registry = WorkflowRegistry.from_directory(WORKFLOWS)
    for workflow in registry:
        ids = {p.id for p in workflow.papers}
        assert "case-summary" in ids, workflow.ref
        for spec in workflow.papers:
            for lang, text in spec.templates.items():
                assert template_problems(text, list(spec.fields)) == [], (workflow.ref, lang)
    ukrainian = {p.id: p for p in registry.get(UKRAINE).papers}
    assert set(ukrainian["status-certificate"].templates) == {"uk"}  # official: in Ukrainian
    assert set(ukrainian["case-summary"].templates) == {"en", "uk"}
    letters = [p for p in registry.get("uk-nrm").papers if "grounds" in p.id]
    assert len(letters) == 4 and all(set(p.templates) == {"en"} for p in letters)


def test_a_template_of_the_papers_fields_loads(tmp_path: Path) -> None:
    assert problems_of(tmp_path, paper(), "<p>{{ person_name }}, {{ region }}</p>") == []


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("<p>{{ narrative }}</p>", "names 'narrative', neither a field the paper prints"),
        ("<p>{% if person_name %}</p>", "does not parse: Unexpected end of template"),
        ('{% include "other.html" %}', "stands alone: it may not extend, include or import"),
        ('{% extends "base.html" %}', "stands alone"),
        ("{{ person_name.__class__.__mro__ }}", "does not render with sample values"),
        ("{{ person_name.code.upper.__globals__ }}", "does not render with sample values"),
    ],
)
def test_a_template_is_refused_naming_its_problem(
    tmp_path: Path, template: str, problem: str
) -> None:
    found = problems_of(tmp_path, paper(), template)
    assert len(found) == 1 and found[0].startswith("papers[0].template.en: "), found
    assert problem in found[0]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"template": {"en": "papers/absent.html"}}, "no template file 'papers/absent.html'"),
        ({"template": {"en": "../ukraine-nrm.yaml"}}, "must be an .html file inside"),
        ({"template": {"en": "/etc/hostname.html"}}, "must be an .html file inside"),
        ({"fields": ["person_name", "nickname"]}, "papers[0].fields: unknown field 'nickname'"),
        ({"after": ["StatusGrantd"]}, "papers[0].after: unknown event 'StatusGrantd'"),
        ({"until": ["Expired"]}, "papers[0].until: unknown event 'Expired'"),
        ({"title": {"uk": "Моє"}}, "papers[0].title: needs the English title"),
        ({"fields": ["person_name", "person_name"]}, "'person_name' is listed 2 times"),
    ],
)
def test_a_declaration_is_refused_naming_its_problem(
    tmp_path: Path, changes: dict[str, Any], problem: str
) -> None:
    found = problems_of(tmp_path, paper(**changes), "<p>{{ person_name }}</p>")
    assert any(problem in p for p in found), found


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("<p>{{ person_name }}</p>", encoding="utf-8")
    folder = tmp_path / "workflows"
    (folder / "papers").mkdir(parents=True)
    (folder / "papers" / "mine.html").symlink_to(outside)
    found = problems_of(folder, paper())
    assert any("inside the workflow file's folder" in p for p in found), found


def test_values_are_escaped_and_the_sandbox_refuses_what_is_unsafe() -> None:
    rendered = ENV.from_string("<p>{{ person_name }}</p>").render(
        person_name=Printed("<script>alert(1)</script>", "x")
    )
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert template_problems("{{ printed_on.__init__ }}", []) != []


def test_a_paper_waits_for_its_event_shows_the_latest_and_ends_with_its_until_event() -> None:
    with pytest.raises(PaperNotAvailable) as waiting:
        moment_of(CERTIFICATE, [(1, "PersonScreened"), (7, "VictimIdentified")])
    assert waiting.value.code == "not_yet"
    assert waiting.value.events == ("StatusGranted", "StatusExtended")
    events = [(1, "PersonScreened"), (8, "StatusGranted"), (9, "ConsentRecorded")]
    assert moment_of(CERTIFICATE, events).version == 8
    assert moment_of(CERTIFICATE, [*events, (10, "StatusExtended")]).version == 10
    with pytest.raises(PaperNotAvailable) as ended:
        moment_of(CERTIFICATE, [*events, (10, "StatusExpired")])
    assert ended.value.code == "ended" and ended.value.events == ("StatusExpired",)
    granted_again = [*events, (10, "StatusExpired"), (11, "StatusGranted")]
    assert moment_of(CERTIFICATE, granted_again).version == 11
    summary = PaperSpec("case-summary", {"en": "Summary"}, {"en": ""}, ())
    assert moment_of(summary, events).version is None  # the case now


def test_only_readers_of_everything_personal_a_paper_prints_may_print_it() -> None:
    workflow: WorkflowDefinition = ukraine()
    assert unreadable(CERTIFICATE, workflow.personal, "decision_maker") == []
    assert unreadable(CERTIFICATE, workflow.personal, "admin") == [
        "person_name",
        "certificate_number",
    ]
    assert unreadable(CERTIFICATE, workflow.personal, None) != []


def test_a_paper_is_printed_in_the_readers_language_when_it_has_one_else_its_own() -> None:
    assert CERTIFICATE.language("en") == "uk" and CERTIFICATE.language("uk") == "uk"
    bilingual = PaperSpec("s", {"en": "S", "uk": "З"}, {"en": "", "uk": ""}, ())
    assert bilingual.language("uk") == "uk" and bilingual.title("uk") == "З"
    assert bilingual.language("fr") == "en" and bilingual.title("fr") == "S"


def test_a_pdf_fetches_nothing_but_the_papers_own_stylesheet(tmp_path: Path) -> None:
    """A template naming an image or a stylesheet elsewhere never makes the server fetch it:
    a listener on this machine sees no connection while the PDF is made."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        there = f"http://127.0.0.1:{listener.getsockname()[1]}"
        body = Markup(
            f'<p>Довідка</p><img src="{there}/pixel.png">'
            f'<link rel="stylesheet" href="{there}/x.css">'
            f'<img src="file://{tmp_path}/secret.png">'
        )
        document = printing.DOCUMENT.format(
            lang="uk", title="t", css=printing.STYLESHEET_PATH, body=body
        )
        made = printing.pdf(document)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert made.startswith(b"%PDF-")
    fetcher = printing._own_stylesheet()(b"p { color: red }")
    assert fetcher.fetch(printing.ORIGIN + printing.STYLESHEET_PATH).read() == b"p { color: red }"
    with pytest.raises(ValueError, match="nothing but its stylesheet"):
        fetcher.fetch(f"{there}/pixel.png")
