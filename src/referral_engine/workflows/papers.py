"""A workflow's printable papers (docs/workflows.md, "Papers"): their templates read from the
folder of the workflow file, checked (each exists inside that folder, parses, stands alone,
names only the paper's fields and the printing's own facts, and renders) and built into the
domain's `PaperSpec`s. The one sandboxed Jinja2 environment papers are rendered in lives here,
so that what is checked is what is printed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape

from referral_engine.domain.papers import BASE_LANGUAGE, PaperSpec
from referral_engine.workflows.graph import declared_fields, unknown
from referral_engine.workflows.model import PaperModel, WorkflowModel

ENV = ImmutableSandboxedEnvironment(
    autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
)
"""Papers' templates: sandboxed (no attribute starting with `_`, nothing changed in place),
every value escaped, a name the context lacks an error rather than an empty string."""

FACTS: Mapping[str, str] = {
    "paper_title": "the paper's title in its language",
    "workflow_title": "the workflow's title in the paper's language",
    "case_reference": "the case's reference (its id)",
    "region": "the name of the case's region",
    "state": "the case's state, in words",
    "opened_on": "the day the case was opened",
    "dated": "the day of the paper's event (for a paper without one: the day it is printed)",
    "printed_on": "the day it is printed",
    "chronology": "the case's steps, each with `on` (its day) and `step` (its title)",
}
"""What a template may name besides the paper's fields: the printing's own facts."""
TEMPLATE_MAX = 200_000
"""Bytes: a template is a page or two of text."""


@dataclass(frozen=True)
class Printed:
    """A value as a paper prints it: `text`, in the paper's language; `code`, the value as the
    case recorded it (an enum's code, a date in ISO form), for a template that words it itself."""

    text: str
    code: object = None

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return str(escape(self.text))

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Step:
    """One step of a case's chronology on a paper."""

    on: Printed
    step: Printed


def papers_of(model: WorkflowModel, base: Path | None) -> tuple[tuple[PaperSpec, ...], list[str]]:
    """The workflow's papers, their templates read from `base` (the workflow file's folder),
    and every problem found, each naming its path in the file."""
    specs: list[PaperSpec] = []
    problems: list[str] = []
    counted = Counter(p.id for p in model.papers)
    problems += [f"papers: id '{i}' is declared {n} times" for i, n in counted.items() if n > 1]
    for i, paper in enumerate(model.papers):
        path = f"papers[{i}]"
        found = _declaration_problems(path, paper, model)
        templates: dict[str, str] = {}
        for lang, name in paper.template.items():
            where = f"{path}.template.{lang}"
            text, problem = _read(base, name)
            if problem:
                found.append(f"{where}: {problem}")
                continue
            found += [f"{where}: {p}" for p in template_problems(text, paper.fields)]
            templates[lang] = text
        problems += found
        if not found:
            titles, fields = dict(paper.title), tuple(paper.fields)
            specs.append(
                PaperSpec(
                    paper.id, titles, templates, fields, tuple(paper.after), tuple(paper.until)
                )
            )
    return tuple(specs), problems


def template_problems(text: str, fields: list[str]) -> list[str]:
    """What makes a template unusable: not parsing, naming another template, naming what the
    paper does not print, or failing to render with sample values."""
    try:
        parsed = ENV.parse(text)
    except TemplateSyntaxError as exc:
        return [f"does not parse: {exc.message} (line {exc.lineno})"]
    if referenced := sorted(str(t) for t in meta.find_referenced_templates(parsed)):
        return ["stands alone: it may not extend, include or import a template (" +
                ", ".join(referenced) + "); the page around a paper is the engine's"]  # fmt: skip
    known = {*fields, *FACTS, *ENV.globals}
    named = sorted(meta.find_undeclared_variables(parsed) - known)
    if named:
        return [
            f"names '{n}', neither a field the paper prints (its `fields`) nor one of: "
            + ", ".join(FACTS)
            for n in named
        ]
    try:
        ENV.from_string(text).render(sample(fields))
    except Exception as exc:  # whatever a template can raise, said as the author's problem
        return [f"does not render with sample values: {type(exc).__name__}: {exc}"]
    return []


def sample(fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Values of every name a template may use, for checking that it renders."""
    word = Printed("sample", "sample")
    facts: dict[str, Any] = dict.fromkeys(FACTS, word)
    facts["chronology"] = [Step(word, word)]
    return {**facts, **dict.fromkeys(fields, word)}


def _declaration_problems(path: str, paper: PaperModel, model: WorkflowModel) -> list[str]:
    declared = {name: f for _, name, f in declared_fields(model)}
    events = {model.opening.event, *(t.event for t in model.transitions)}
    if model.referrals is not None:
        events |= {model.referrals.send.event, *(t.event for t in model.referrals.transitions)}
    problems = unknown(f"{path}.fields", paper.fields, declared, "field")
    problems += [
        f"{path}.fields: '{name}' names an agency, which a paper does not print"
        for name in paper.fields
        if name in declared and declared[name].type == "agency"
    ]
    problems += [
        f"{path}.fields: '{name}' is listed {n} times" for name, n in Counter(paper.fields).items()
        if n > 1
    ]  # fmt: skip
    problems += unknown(f"{path}.after", paper.after, events, "event")
    problems += unknown(f"{path}.until", paper.until, events, "event")
    if BASE_LANGUAGE not in paper.title:
        problems.append(f"{path}.title: needs the English title (`{BASE_LANGUAGE}`)")
    return problems


def _read(base: Path | None, name: str) -> tuple[str, str]:
    """A template's text, or why it cannot be read (a path outside the folder included)."""
    if base is None:
        return "", "no folder to read it from (papers are read beside their workflow file)"
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".html":
        return "", f"'{name}' must be an .html file inside the workflow file's folder"
    path = base.joinpath(*relative.parts)
    if not path.resolve().is_relative_to(base.resolve()):  # a link out of the folder
        return "", f"'{name}' must be an .html file inside the workflow file's folder"
    try:
        raw = path.read_bytes()
    except OSError:
        return "", f"no template file '{name}' in {base}"
    if len(raw) > TEMPLATE_MAX:
        return "", f"'{name}' is longer than {TEMPLATE_MAX} bytes"
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        return "", f"'{name}' is not UTF-8 text"
