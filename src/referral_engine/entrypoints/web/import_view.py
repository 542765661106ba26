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
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.i18n_imports import PROBLEMS_UK
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
        if t.lang == "uk":
            problem = _ukrainian(problem)
        problem = quoted.sub(lambda m: titles[m.group(0)], problem) if titles else problem
        return names.sub(lambda m: f"“{text.event(m.group(0))}”", problem)

    return say


def _ukrainian(problem: str) -> str:
    for pattern, words in PROBLEMS_UK:
        if pattern.match(problem):
            said = pattern.sub(words, problem)
            return DATE_FORM.sub(lambda m: _date_form(m.group(0)), said)
    return problem


DATE_FORM = re.compile(r"(?<=у формі )\S+")


def _date_form(form: str) -> str:
    """A date format as Ukrainian writes it (ДД.ММ.РРРР)."""
    return form.replace("YYYY", "РРРР").replace("MM", "ММ").replace("DD", "ДД")


def _count_key(outcome: str, dry_run: bool) -> str:
    if dry_run and outcome in ("imported", "refused"):
        return f"imp.count.{outcome}.dry"
    return f"imp.count.{outcome}"
