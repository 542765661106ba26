"""A field's problem as a sentence naming the field, the GOV.UK way: "Enter date signed",
"Date signed must be a date (YYYY-MM-DD)". The same sentence stands beside the field and, as a
link to it, in the error summary at the top of the page."""

from __future__ import annotations

from referral_engine.domain.errors import FieldProblem
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText

CHOSEN = frozenset({"select", "checkboxes", "picker"})
"""Widget kinds whose value is chosen, not typed: a missing one is asked to be selected."""
PREDICATES = ("must ", "is ", "cannot ", "should ", "has ", "має ", "не може", "не можуть", "є ")
"""How a problem's words begin when they read on from the field's name ("… must be a date");
others follow it after a colon."""


def sentence(
    problem: FieldProblem, label: str, kind: str, t: Translator, text: WorkflowText | None
) -> str:
    """The problem of the field labelled `label` (drawn as a widget of `kind`), naming it."""
    if problem.code == "required":
        key = "problem.select" if kind in CHOSEN else "problem.enter"
        return t(key, label=_inside(label, t.lang))
    said = explain.field_problem(problem, t, text)
    key = "problem.field" if said.startswith(PREDICATES) else "problem.about"
    return t(key, label=label, problem=said)


def _inside(label: str, lang: str) -> str:
    """The label inside an English sentence: its first letter small unless it starts an
    abbreviation ("date signed", but "NRM referral reference"); other languages quote it."""
    if lang != "en" or not label or label[1:2].isupper():
        return label
    return label[0].lower() + label[1:]
