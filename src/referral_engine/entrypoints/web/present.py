"""The one place case data leaves the engine for a page: every view goes through the reader's
disclosure (personal fields they may not see are replaced by markers, and the request's audit
entry lists the personal fields shown). Add redaction rules here, not in the routes."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from fastapi import Request

from referral_engine.adapters.security import User
from referral_engine.application.engine import Engine
from referral_engine.domain.views import CaseView, HistoryEntry
from referral_engine.entrypoints.http.audit import disclosure, mark_of


def case_shown(request: Request, user: User, engine: Engine, view: CaseView) -> CaseView:
    """The case as `user` may see it."""
    workflow = engine.workflows.get(view.workflow_id, view.workflow_version)
    mark_of(request).place(view.region)
    return disclosure(request, user, workflow).case(view)


def history_shown(
    request: Request, user: User, engine: Engine, case_id: UUID
) -> list[HistoryEntry]:
    """Every event of the case as `user` may see it."""
    found = engine.case_history(case_id, scope=user.reach)
    mark_of(request).place(found.region)
    return disclosure(request, user, found.workflow).history(found.entries)


def steps_taken(user: User, engine: Engine, case_id: UUID) -> list[HistoryEntry]:
    """The case's events as far as `user` sees its history, without their data: what was done,
    when and by whom (no personal field leaves, so none is disclosed)."""
    found = engine.case_history(case_id, scope=user.reach)
    return [replace(e, data={}) for e in found.entries]
