"""The audit log as its page and export read it: the filters as typed, checked into the log's
filter (or the problems the page lists), the pages before and after this one, and entries put
in words with what the read models know of their cases."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request

from referral_engine.adapters.audit import AuditEntry
from referral_engine.adapters.audit_query import AuditFilter, Cursor, case_prefix
from referral_engine.adapters.readmodels.engine import ReadModelNotReady
from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import DomainError
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.access import reach_of
from referral_engine.entrypoints.web.audit_words import Line, Wording, known
from referral_engine.entrypoints.web.render import agency_names, region_names, words_of

DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
USER_MAX = 200


@dataclass(frozen=True)
class Asked:
    """The filters as the address carries them (as typed: shown back in the form)."""

    start: str = ""
    end: str = ""
    user: str = ""
    action: str = ""
    case: str = ""
    region: str = ""

    def params(self) -> dict[str, str]:
        """The filters by their names in the address (the links keep them)."""
        names = ("from", "to", "user", "action", "case", "region")
        return dict(zip(names, asdict(self).values(), strict=True))

    def given(self) -> dict[str, str]:
        """The filters given, trimmed (what an export's audit entry records)."""
        return {k: v.strip() for k, v in self.params().items() if v.strip()}


@dataclass
class Checked:
    """The log's filter for what was asked, or the problems with it (field -> message key)."""

    wanted: AuditFilter = field(default_factory=AuditFilter)
    problems: dict[str, str] = field(default_factory=dict)


def regions_offered(reader: User, workflows: Iterable[WorkflowDefinition]) -> list[str]:
    """The regions a reader may filter by: their own, or every region a workflow knows."""
    if reader.scope is not None:
        return sorted(reader.scope)
    return sorted({code for w in workflows for code in w.regions})


def checked(asked: Asked, reader: User, offered: list[str]) -> Checked:
    """The filter of the reader's regions that `asked` says, or why it cannot be one."""
    found = Checked()
    since, until = _day(asked.start, "from", found), _day(asked.end, "to", found)
    if since and until and until < since:
        found.problems["to"] = "audit.error.order"
    user = asked.user.strip()
    if len(user) > USER_MAX:
        found.problems["user"] = "audit.error.user"
    if asked.action and not known(asked.action):
        found.problems["action"] = "audit.error.action"
    case = case_prefix(asked.case) if asked.case.strip() else None
    if asked.case.strip() and case is None:
        found.problems["case"] = "audit.error.case"
    if asked.region and asked.region not in offered:
        found.problems["region"] = "audit.error.region"
    regions = frozenset({asked.region}) if asked.region else reader.scope
    found.wanted = AuditFilter(
        since=_start(since),
        until=_start(until + timedelta(days=1)) if until and until < date.max else None,
        user_name=user or None,
        action=asked.action or None,
        case=case,
        regions=regions,
    )
    return found


def _day(text: str, name: str, found: Checked) -> date | None:
    if not text.strip():
        return None
    try:
        if DAY.match(text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    found.problems[name] = f"audit.error.{name}"
    return None


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


@dataclass(frozen=True)
class Pager:
    """Where this page starts, and the links to the pages beside it (None: no such page)."""

    past: Cursor | None = None
    newest_first: bool = True
    broken: bool = False
    newer: str | None = None
    older: str | None = None

    @classmethod
    def of(cls, before: str, after: str) -> Pager:
        """The page an address asks for: older than `before`, or newer than `after`."""
        token, newest_first = (before, True) if before or not after else (after, False)
        if not token:
            return cls()
        past = Cursor.parse(token.strip())
        return cls(past, newest_first, broken=past is None)

    def page(self, found: list[AuditEntry], size: int) -> tuple[list[AuditEntry], Pager]:
        """This page's entries (newest first) from up to `size` + 1 found, and the links."""
        more = len(found) > size
        shown = found[:size]
        if not self.newest_first:
            shown.reverse()
        if not shown:
            return shown, self
        newest, oldest = Cursor.of(shown[0]).token(), Cursor.of(shown[-1]).token()
        if self.newest_first:
            newer, older = (newest if self.past else None), (oldest if more else None)
        else:
            newer, older = (newest if more else None), oldest
        return shown, Pager(self.past, self.newest_first, False, newer, older)


class Lines:
    """Entries in the reader's words, each linked to its case when the reader may open it."""

    def __init__(self, request: Request, runtime: Runtime, reader: User) -> None:
        t = words_of(request)
        self.runtime, self.reader = runtime, reader
        self.workflows = runtime.engine.workflows
        self.wording = Wording(
            t, self.workflows, region_names(request, t), agency_names(request, t.lang)
        )

    def __call__(self, entries: list[AuditEntry]) -> list[Line]:
        facts = self.cases({e.case_id for e in entries if e.case_id is not None})
        nothing: tuple[WorkflowDefinition | None, bool] = (None, False)
        return [
            self.wording.line(e, *(facts.get(e.case_id, nothing) if e.case_id else nothing))
            for e in entries
        ]

    def cases(self, ids: set[UUID]) -> dict[UUID, tuple[WorkflowDefinition | None, bool]]:
        """Each case's workflow version and whether the reader may open it, from the queue's
        read model (nothing while it is rebuilt: the words then come from any workflow)."""
        if not ids:
            return {}
        scope = self.reader.scope
        params: dict[str, Any] = {
            "cases": sorted(ids),
            "regions": None if scope is None else sorted(scope),
            **reach_of(self.workflows, self.reader.reach),
        }
        try:
            rows = self.runtime.projections.query("case_queue", "audit_cases", params)
        except ReadModelNotReady:
            return {}
        opens = gates.CASES.admits(self.reader.role)
        return {r["case_id"]: (self._workflow(r), opens and bool(r["openable"])) for r in rows}

    def _workflow(self, row: dict[str, Any]) -> WorkflowDefinition | None:
        if not row["workflow_id"]:
            return None
        try:
            return self.workflows.get(str(row["workflow_id"]), int(row["workflow_version"]))
        except DomainError:
            return None
