"""How every case command runs: read the case within the actor's reach, let the domain decide,
save its event with the command's audit note (a true retry answers as the first time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from referral_engine.application.ports import AuditNote
from referral_engine.application.reading import CaseReader
from referral_engine.domain.access import Scope, sight
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, Context
from referral_engine.domain.errors import DomainError, VersionConflict
from referral_engine.domain.records import StepOutcome
from referral_engine.domain.transfer_errors import TransferNotPossible
from referral_engine.domain.views import StepResult
from referral_engine.domain.workflow import WorkflowDefinition


class CaseCommands(CaseReader):
    """The plumbing the engine's commands share (engine.py, transfers.py)."""

    def _context(
        self,
        actor: Actor,
        occurred_at: datetime | None,
        idempotency_key: str | None,
        backdating_reason: str | None = None,
    ) -> Context:
        correlation = str(uuid4())
        now = self.clock()
        return Context(
            actor, now, occurred_at, correlation, None, idempotency_key, backdating_reason
        )

    def _command(
        self,
        case_id: UUID,
        ctx: Context,
        scope: Scope | None,
        audit: AuditNote | None,
        decide: Callable[[Case, WorkflowDefinition], StepOutcome],
        *,
        receiving: bool = False,
        documents: Sequence[tuple[UUID, bytes]] = (),
        expected: int | None = None,
    ) -> StepResult:
        """Run `decide` on the case and save what it records. A reader who sees the case only
        as the receiving region of its waiting transfer may act only where `receiving` says so
        (answering the transfer). `documents` (id, bytes) are stored with the event.

        With `expected`, the version the caller saw, a case this process holds at exactly that
        version is judged as it holds it, without reading its stream for newer events (a round
        trip and a third of a command's processor time, measured). If another process wrote
        after it, the insert of the next version is refused by its unique key; that, or any
        refusal judged on the held copy, is judged again on the stream, as every command was
        before: the answer is the stream's (a case erased or moved elsewhere, a true retry)."""
        held = self._cached(case_id, expected) if expected is not None else None
        if held is not None:
            try:
                self._sight(held, scope)
                return self._decided(held, ctx, scope, audit, decide, receiving, documents, True)
            except (DomainError, ValueError, _Stale):
                pass  # judged again on the stream below (ValueError: an erased case's key)
        case = self._get(case_id, scope)
        return self._decided(case, ctx, scope, audit, decide, receiving, documents)

    def _decided(
        self,
        case: Case,
        ctx: Context,
        scope: Scope | None,
        audit: AuditNote | None,
        decide: Callable[[Case, WorkflowDefinition], StepOutcome],
        receiving: bool,
        documents: Sequence[tuple[UUID, bytes]],
        held: bool = False,
    ) -> StepResult:
        """`decide` run on `case` (read within `scope`, or `held` by this process), and what it
        records saved."""
        case_id = case.id
        try:
            if not receiving:
                _working(case, self._workflow(case), scope)
            outcome = decide(case, self._workflow(case))
        except DomainError as exc:
            exc.region = case.region
            raise
        if outcome.replayed:
            return StepResult.of(case.id, outcome)
        try:
            uploads = {"documents": documents} if documents else {}
            self.store.save(case, audit=noted(audit, case), **uploads)
        except IntegrityError:
            if held:
                raise _Stale from None
            # Someone else wrote this version first: a true retry returns the first answer.
            # Read within the reader's reach: the case may have left it meanwhile (moved by a
            # transfer), and then it is not found rather than in conflict at some version.
            current = self._get(case_id, scope)
            key = ctx.key()
            if key is not None and key in current.idempotency:
                return StepResult.of(case_id, decide(current, self._workflow(current)))
            raise VersionConflict(outcome.version - 1, current.version) from None
        self._remember(case)
        return StepResult.of(case.id, outcome)


class _Stale(Exception):
    """Another process wrote after the version of a case this process held."""


def _working(case: Case, workflow: WorkflowDefinition, scope: Scope | None) -> None:
    """Refuse a step by a reader who reaches the case only to answer its transfer."""
    seen = sight(workflow.access, case, scope, workflow.transfer_answerers)
    if seen is not None and seen.receiving:
        raise TransferNotPossible("receiving")


def noted(audit: AuditNote | None, case: Case) -> AuditNote | None:
    """The command's audit note, naming the case it acted on (written with its events)."""
    return None if audit is None else audit.about(case.id, case.region)
