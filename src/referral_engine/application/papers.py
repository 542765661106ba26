"""Printing a case's papers (domain/papers.py): which ones a reader may print now, and the case
as a paper shows it, within the reader's need-to-know. Rendering is the pages' (web/printing.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referral_engine.application.reading import CaseHistory, CaseReader
from referral_engine.domain.access import Scope
from referral_engine.domain.case import Case
from referral_engine.domain.markers import ERASED
from referral_engine.domain.papers import (
    PaperNotAvailable,
    PaperNotFound,
    PaperNotPermitted,
    PaperSpec,
    moment_of,
    unreadable,
)
from referral_engine.domain.views import CaseView, HistoryEntry
from referral_engine.domain.workflow import WorkflowDefinition

ERASURE = Case.PersonalDataErased.__name__


@dataclass(frozen=True)
class Listed:
    """A paper of a case in its reader's list: printable now unless `refused` says why not."""

    spec: PaperSpec
    refused: PaperNotAvailable | None = None


@dataclass(frozen=True)
class Paper:
    """What one paper of one case prints: the case as of the paper's moment (its personal
    fields still to go through the reader's disclosure), when that was, and its steps so far."""

    spec: PaperSpec
    workflow: WorkflowDefinition
    case: CaseView
    dated: datetime
    """When the paper's event happened (for a paper without one: now)."""
    opened: datetime
    steps: tuple[HistoryEntry, ...]
    """The case's own steps up to the paper's moment, the opening first."""
    printed: datetime


class Papers:
    """The papers of cases, read through the engine's queries."""

    def __init__(self, cases: CaseReader) -> None:
        self.cases = cases

    def listed(self, case_id: UUID, *, role: str, scope: Scope | None) -> list[Listed]:
        """The papers of the case a reader of `role` may print, each saying whether it is
        printable now (none for a reader who sees the case only through its referrals)."""
        history = self.cases.case_history(case_id, scope=scope)
        workflow = history.workflow
        if not history.sight.whole:
            return []
        erased = any(e.event == ERASURE for e in history.entries)
        found = []
        for spec in workflow.papers:
            if unreadable(spec, workflow.personal, role):
                continue
            try:
                moment_of(spec, _events(history))
                if erased and any(f in workflow.personal for f in spec.fields):
                    raise PaperNotAvailable(spec.id, "erased")
            except PaperNotAvailable as exc:
                found.append(Listed(spec, exc))
                continue
            found.append(Listed(spec))
        return found

    def paper(self, case_id: UUID, paper_id: str, *, role: str, scope: Scope | None) -> Paper:
        """One paper of the case as a reader of `role` prints it; refused when the case's
        workflow has no such paper (404), its reader may not read what it prints or sees the
        case only through its referrals (403), or it is not printable now (409)."""
        history = self.cases.case_history(case_id, scope=scope)
        workflow = history.workflow
        spec = next((p for p in workflow.papers if p.id == paper_id), None)
        if spec is None:
            raise PaperNotFound(paper_id)
        if not history.sight.whole:
            raise PaperNotPermitted(spec.id, "referrals")
        if hidden := unreadable(spec, workflow.personal, role):
            raise PaperNotPermitted(spec.id, "personal", hidden)
        moment = moment_of(spec, _events(history))
        if moment.version is None:
            case = self.cases.case(case_id, scope=scope)
        else:
            case = self.cases.case_at_version(case_id, moment.version, scope=scope)
        if any(case.data.get(f) == ERASED for f in spec.fields):
            raise PaperNotAvailable(spec.id, "erased")
        now = self.cases.clock()
        entries = history.entries
        steps = [e for e in entries if e.referral_id is None and (e.trigger or e.version == 1)]
        steps = [e for e in steps if e.event in workflow.event_names()]
        if moment.version is not None:
            steps = [e for e in steps if e.version <= moment.version]
        dated = next((e.occurred_at for e in entries if e.version == moment.version), now)
        return Paper(spec, workflow, case, dated, entries[0].occurred_at, tuple(steps), now)


def _events(history: CaseHistory) -> list[tuple[int, str]]:
    return [(e.version, e.event) for e in history.entries]
