"""Transfers between regions and assignment, as engine commands (domain/transfers.py decides)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from referral_engine.application.commanding import CaseCommands
from referral_engine.application.ports import AuditNote
from referral_engine.domain import transfers
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.transfers import Assignee
from referral_engine.domain.views import StepResult


class Transfers(CaseCommands):
    """Request, answer and withdraw a case's transfer to another region; assign the case."""

    def request_transfer(
        self,
        case_id: UUID,
        region: str,
        reason: str,
        note: str | None = None,
        *,
        actor: Actor,
        expected_version: int,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Ask the receiving region to take the case (its answering role decides)."""
        ctx = self._context(actor, None, idempotency_key)
        answer = (region, reason, note)
        return self._command(
            case_id,
            ctx,
            scope,
            audit,
            lambda c, w: transfers.request_transfer(c, w, answer, ctx, expected_version, scope),
        )

    def answer_transfer(
        self,
        case_id: UUID,
        accepted: bool,
        reason: str | None = None,
        note: str | None = None,
        *,
        actor: Actor,
        expected_version: int,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Accept the waiting transfer (the case moves to the receiving region, by this event)
        or refuse it with a reason, as the receiving region's answering role."""
        ctx = self._context(actor, None, idempotency_key)
        answer = (accepted, reason, note)
        return self._command(
            case_id,
            ctx,
            scope,
            audit,
            lambda c, w: transfers.answer_transfer(c, w, answer, ctx, expected_version, scope),
            receiving=True,
        )

    def withdraw_transfer(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        expected_version: int,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Take back the waiting transfer, as a requesting role of the case's region."""
        ctx = self._context(actor, None, idempotency_key)
        return self._command(
            case_id,
            ctx,
            scope,
            audit,
            lambda c, w: transfers.withdraw_transfer(c, w, ctx, expected_version, scope),
        )

    def assign(
        self,
        case_id: UUID,
        user: str | None,
        found: Assignee | None,
        *,
        actor: Actor,
        expected_version: int,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Assign the case to `user` (None: to nobody); `found` is that user as the directory
        knows them (None: no such active user)."""
        ctx = self._context(actor, None, idempotency_key)
        chosen = (user, found)
        return self._command(
            case_id,
            ctx,
            scope,
            audit,
            lambda c, w: transfers.assign(c, w, chosen, ctx, expected_version, scope),
        )

    def assignable(
        self, case_id: UUID, users: Iterable[Assignee], *, scope: Scope | None = None
    ) -> list[str]:
        """Of `users`, those who can work on the case (a supervisor's choice to assign it)."""
        case = self._get(case_id, scope)
        workflow = self._workflow(case)
        return [u.user_id for u in users if transfers.can_work(workflow, case, u.scope)]
