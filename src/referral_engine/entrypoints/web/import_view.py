"""An import's report as the page shows it: the counts worded for people (a dry run says what
would happen), the rows not imported with their problems in the page's language (the importer
says them in English, naming steps by their English titles and events by their names), capped,
with every problem in a CSV file the page links to."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass

from referral_engine.application.importing import OUTCOMES, ImportReport, report_csv
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web.i18n import DEFAULT, Translator
from referral_engine.entrypoints.web.workflow_text import text_of

ONE_OF = re.compile(r"^must be one of: ([\w, ]+?)( \(.*\))?$")
SHOWN = 100
"""Problems listed on the page; the CSV file holds every one."""


@dataclass(frozen=True)
class Line:
    """One problem of a row not imported."""

    row: int
    row_id: str
    note: str
    """What became of the row beside the problem's words, when it was not simply refused."""
    column: str
    problem: str


@dataclass(frozen=True)
class ReportView:
    counts: list[tuple[str, int]]
    """(what became of the rows, in words; how many)."""
    lines: list[Line]
    total: int
    """Every problem, of which `lines` are the first ones."""
    csv_href: str
    """The CSV file of every problem, as a `data:` address (nothing kept on the server)."""


def report_view(report: ImportReport, workflow: WorkflowDefinition, t: Translator) -> ReportView:
    """The report worded in `t`'s language, with the workflow's steps in its words."""
    said = worded(workflow, t)
    counts = [(t(_count_key(outcome, report.dry_run)), report.counts.get(outcome, 0))
              for outcome in OUTCOMES]  # fmt: skip
    every = [(r, column, problem) for r in report.listed for column, problem in r.problems]
    lines = [
        Line(
            r.row,
            r.row_id or "—",
            t(f"imp.outcome.{r.outcome}") if r.outcome != "refused" else "",
            column or t("imp.whole_row"),
            said(problem),
        )
        for r, column, problem in every[:SHOWN]
    ]
    data = base64.b64encode(report_csv(report)).decode("ascii")
    return ReportView(counts, lines, len(every), f"data:text/csv;charset=utf-8;base64,{data}")


def worded(workflow: WorkflowDefinition, t: Translator) -> Callable[[str], str]:
    """A row problem in the page's language: the steps and events it names in the workflow's
    words, and in Ukrainian the frequent problems' own words."""
    text = text_of(workflow, t.lang)
    titles = {f"“{s.title}”": f"“{text.step(s.trigger)}”" for s in workflow.transitions if s.title}
    if workflow.opening.title:
        titles[f"“{workflow.opening.title}”"] = f"“{text.opening()}”"
    events = {s.event for s in workflow.transitions} | {workflow.opening.event}
    names = re.compile(r"\b(" + "|".join(map(re.escape, sorted(events))) + r")\b")
    quoted = re.compile("|".join(map(re.escape, sorted(titles, key=len, reverse=True))))

    def say(problem: str) -> str:
        if (listed := ONE_OF.match(problem)) is not None:  # the workflow's values in words
            values = ", ".join(text.value(v) for v in listed.group(1).split(", "))
            problem = f"must be one of: {values}{listed.group(2)}"
        if t.lang != DEFAULT:
            problem = _translated(problem, t)
        problem = quoted.sub(lambda m: titles[m.group(0)], problem) if titles else problem
        return names.sub(lambda m: f"“{text.event(m.group(0))}”", problem)

    return say


PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^is required$", "required"),
        (r"^is required: the row's id in the register.*$", "row_id"),
        (r"^must be one of: (?P<a>.*)$", "one_of"),
        (r"^is not a date in the form (?P<a>\S+)(?P<b>.*)$", "date_form"),
        (r"^unknown state (?P<a>.*); the mapping knows: (?P<b>.*)$", "unknown_state"),
        (r"^unknown region (?P<a>.*)$", "unknown_region"),
        (r"^unknown (?P<a>\w+) (?P<b>.*)$", "unknown_value"),
        (r"^the same id as row (?P<a>\d+): each row needs its own$", "same_id"),
        (
            r"^must not contain an invisible formatting character "
            r"\((?P<a>\S+) at position (?P<b>\d+)\)$",
            "invisible",
        ),
        (
            r"^must not contain a control character \((?P<a>\S+) at position (?P<b>\d+)\)$",
            "control",
        ),
        (r"^is empty: it dates the step (?P<a>.*)$", "empty_date"),
        (r"^the step (?P<a>.*): must not be before the previous step, (?P<b>.*)$", "step_order"),
        (
            r"^differs from its case as imported \((?P<a>.*)\); the case is left as it is$",
            "differs",
        ),
        (
            r"^its case's personal data was erased after the import: not imported again$",
            "erased",
        ),
    )
)
"""The importer's frequent row problems (application/importing.py, domain/imports.py), each
with its catalogue key `imp.problem.<key>`; a problem none of these matches is shown as the
importer says it (in English)."""


def _translated(problem: str, t: Translator) -> str:
    for pattern, key in PROBLEMS:
        if (found := pattern.match(problem)) is not None:
            parts = found.groupdict()
            if "a" in parts and key == "date_form":
                parts["a"] = _date_form(parts["a"], t("imp.date_letters"))
            return t(f"imp.problem.{key}", **parts)
    return problem


def _date_form(form: str, letters: str) -> str:
    """A date format as the language writes it (ДД.ММ.РРРР in Ukrainian)."""
    year, month, day = tuple((letters + "YMD")[:3])
    return form.replace("YYYY", year * 4).replace("MM", month * 2).replace("DD", day * 2)


def _count_key(outcome: str, dry_run: bool) -> str:
    if dry_run and outcome in ("imported", "refused"):
        return f"imp.count.{outcome}.dry"
    return f"imp.count.{outcome}"
