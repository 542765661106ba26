"""Errors in the reader's language: field problems worded by their stable `code`, domain errors
by their class or `type`, each filled in from the error's own facts (workflow names in the
workflow's words). The words are the catalogues' `explain.*` messages (docs/translations.md),
so a third language needs no code; English is the engine's own text (the API says the same)
unless its catalogue gives other words, and a code with no words falls back to that text, so
nothing is ever hidden."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from referral_engine.domain import errors
from referral_engine.domain.agency_errors import (
    AgencyUnsuitable,
    AgreementMissing,
    NotAddressedAgency,
)
from referral_engine.domain.case_file_errors import CaseFileNotPermitted, DocumentDamaged
from referral_engine.domain.errors import DomainError, FieldProblem
from referral_engine.domain.papers import PaperNotAvailable, PaperNotPermitted
from referral_engine.domain.person_links import PersonAlertClosed
from referral_engine.domain.person_terms import QueryInvalid
from referral_engine.domain.transfer_errors import (
    AssigneeUnsuitable,
    AssignmentRefused,
    TransferNotPossible,
)
from referral_engine.domain.windows import TooLate
from referral_engine.entrypoints.web import agency_words
from referral_engine.entrypoints.web.agency_words import Namer
from referral_engine.entrypoints.web.condition_words import conditions_said
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText

MOVING_STEPS = frozenset(
    {"request_transfer", "accept_transfer", "refuse_transfer", "withdraw_transfer", "assign"}
)
"""The engine's transfer and assignment commands, as a refused role names them."""


def words(t: Translator, key: str) -> str:
    """The catalogues' words for `key` in the page's language (else English); "" where the
    engine's own English words stand (an English `explain.*` message left empty)."""
    return t.words.get(key) or t.source.get(key) or ""


def why(t: Translator, group: str, code: str, engine: Mapping[str, str]) -> str:
    """Why something was refused (`explain.why.GROUP.CODE`), else the engine's own words."""
    return words(t, f"explain.why.{group}.{code}") or engine.get(code, code)


def field_problem(problem: FieldProblem, t: Translator, text: WorkflowText | None = None) -> str:
    """One field's problem, as shown next to it."""
    template = words(t, f"explain.problem.{problem.code}")
    if not template:
        return problem.message
    facts = {k: _listed(v, text) if k == "values" else v for k, v in problem.params.items()}
    if problem.code == "value_condition":  # a value allowed only for some cases
        facts["value"] = text.value(str(facts["value"])) if text else facts["value"]
        facts["unmet"] = conditions_said(problem.params.get("unmet", ()), t, text)
    close = problem.params.get("close")
    if isinstance(close, tuple | list):  # regions near what was typed, named in this language
        said = text.region if text else str
        facts["close"] = ", ".join(f"{c} ({said(c)})" for c in close)
    if problem.code in ("date_after_field", "date_before_field"):  # the other field's label
        against = str(problem.params.get("against", ""))
        facts["against"] = text.data_title(against) if text else against
        facts["when"] = f" ({problem.params['on']})" if "on" in problem.params else ""
    if problem.code == "withheld":  # the law cited, without the workflow's English words on it
        facts["law"] = str(problem.params.get("rule", "")).split(": ", 1)[0]
    return _filled(template, facts, problem.message)


def labelled(problem: FieldProblem, t: Translator, text: WorkflowText | None) -> str:
    """Where a problem lies, as the page names it: a field by its label, the case's region as
    the form does."""
    name = problem.path.removeprefix("data.")
    if problem.path == "region":
        return t("region")
    if text is None or name == problem.path:
        return problem.path
    return text.data_title(name)


def error(
    exc: DomainError,
    t: Translator,
    text: WorkflowText | None = None,
    agencies: Namer | None = None,
) -> str:
    """A domain error as a sentence for the page (agencies named by `agencies`, the registry's
    names in the page's language, where the error does not carry them)."""
    key = exc.type + ("-retry" if getattr(exc, "retry", False) else "")
    template = words(t, f"explain.error.{type(exc).__name__}") or words(t, f"explain.error.{key}")
    if not template:
        return str(exc)
    return _filled(template, _facts(exc, t, text, agencies), str(exc))


def _facts(
    exc: DomainError, t: Translator, text: WorkflowText | None, agencies: Namer | None = None
) -> dict[str, Any]:
    """The error's attributes, with workflow names in the workflow's words."""
    facts: dict[str, Any] = dict(vars(exc))
    if isinstance(exc, AgencyUnsuitable | AgreementMissing | NotAddressedAgency):
        facts.update(agency_words.facts(exc, t, text, agencies))
    if facts.get("trigger") in MOVING_STEPS:  # the engine's own commands, in the page's words
        facts["trigger"] = t(f"move.{facts['trigger']}")
    elif text is not None and isinstance(facts.get("trigger"), str):
        facts["trigger"] = text.step(facts["trigger"])
    if isinstance(exc, errors.IllegalTransition):
        facts["state"] = text.state(exc.state) if text else exc.state
        steps = [text.step(s) if text else s for s in exc.legal_triggers]
        facts["legal"] = ", ".join(steps) or t("none")
        facts["why"] = f" ({exc.rule})" if exc.rule else ""  # the law refusing it there
    if isinstance(exc, errors.PersonalDataErased) and text is not None:
        facts["fields"] = ", ".join(text.data_title(name) for name in exc.fields)
    if isinstance(exc, errors.RoleNotAllowed):
        facts["allowed"] = ", ".join(exc.allowed_roles)
    if isinstance(exc, errors.DateNotConfirmable):
        facts["why"] = why(t, "not_confirmable", exc.code, exc.WHY)
    if isinstance(exc, errors.AgreementConflict):
        facts["why"] = why(t, "agreement", exc.code, exc.WHY)
    if isinstance(exc, PersonAlertClosed):
        facts["why"] = why(t, "alert", exc.code, exc.WHY)
    if isinstance(exc, QueryInvalid):
        facts["why"] = why(t, "query", exc.code, {}).format(limit=exc.limit)
    if isinstance(exc, TransferNotPossible | AssignmentRefused | AssigneeUnsuitable):
        facts["why"] = why(t, "move", exc.code, exc.WHY)
    if isinstance(exc, PaperNotAvailable | PaperNotPermitted):
        facts["why"] = _paper_why(exc, t, text)
    if isinstance(exc, CaseFileNotPermitted | DocumentDamaged):
        facts["why"] = why(t, "case_file", exc.code, exc.WHY)
    if isinstance(exc, errors.RegionNotAllowed):
        facts["action"] = words(t, "explain.region." + exc.action.replace(" ", "_")) or exc.action
    if isinstance(exc, errors.ConditionNotMet):
        facts["wanted"] = conditions_said(exc.unmet, t, text)
    if isinstance(exc, TooLate) and text is not None:
        facts["closed_by"] = text.step(exc.closed_by)
    if isinstance(exc, errors.InvalidData):  # each field by its label, as beside the field
        facts["problems"] = "; ".join(
            f"{labelled(p, t, text)}: {field_problem(p, t, text)}" for p in exc.problems
        )
    if isinstance(exc, errors.RowRefused):
        facts["problems"] = "; ".join(f"{column or '—'}: {p}" for column, p in exc.problems)
    for name in ("missing", "fields", "problems"):
        if isinstance(facts.get(name), tuple):
            facts[name] = ", ".join(facts[name])
    return facts


def _paper_why(
    exc: PaperNotAvailable | PaperNotPermitted, t: Translator, text: WorkflowText | None
) -> str:
    """Why a paper is refused, its steps and fields in the workflow's words."""
    template = words(t, f"explain.paper.{exc.code}")
    if isinstance(exc, PaperNotAvailable):
        events = [text.event(e) if text else e for e in exc.events]
        return template.format(events=", ".join(t("explain.quoted", name=e) for e in events))
    fields = [text.data_title(f) if text else f for f in exc.fields]
    return template.format(fields=", ".join(fields))


def _listed(values: object, text: WorkflowText | None) -> str:
    if isinstance(values, str) or not isinstance(values, Iterable):
        return str(values)
    names = [str(v) for v in values]
    return text.values(names) if text else ", ".join(names)


def _filled(template: str, facts: dict[str, Any], fallback: str) -> str:
    try:
        return template.format(**facts)
    except (KeyError, IndexError, ValueError):  # a fact this error lacks: say it as it is
        return fallback
