"""Erasure by two persons, when the configuration asks for it: one admin asks for a case's
personal data to be erased, another admin or supervisor approves (and the erasure happens) or
refuses. The request is kept in the database; each decision is audited like a command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID, uuid4

from referral_engine.application.engine import Engine
from referral_engine.application.ports import AuditNote
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    ErasureRequestDecided,
    ErasureRequestNotFound,
    OwnErasureRequest,
)
from referral_engine.domain.views import StepResult

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


@dataclass(frozen=True)
class ErasureRequest:
    """A request to erase one case's personal data, and its decision once taken."""

    id: UUID
    case_id: UUID
    region: str
    reason: str
    requested_by: str
    requested_at: datetime
    state: str = PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None


class ErasureRequestStore(Protocol):
    """Where erasure requests are kept."""

    def add(self, request: ErasureRequest) -> None: ...

    def get(self, request_id: UUID) -> ErasureRequest | None: ...

    def listed(self, state: str | None, regions: frozenset[str] | None) -> list[ErasureRequest]: ...

    def decide(self, request_id: UUID, state: str, by: str, at: datetime) -> bool: ...


class Erasures:
    """Request, list, approve and refuse erasures; nobody approves their own request."""

    def __init__(self, engine: Engine, store: ErasureRequestStore) -> None:
        self.engine = engine
        self.store = store

    def request(
        self, case_id: UUID, reason: str, *, actor: Actor, scope: Scope | None = None
    ) -> ErasureRequest:
        """Ask for the case's personal data to be erased (nothing is erased yet)."""
        case = self.engine.case(case_id, scope=scope)
        found = ErasureRequest(uuid4(), case_id, case.region, reason, actor.user_id, self._now())
        self.store.add(found)
        return found

    def listed(
        self, state: str | None = PENDING, *, scope: Scope | None = None
    ) -> list[ErasureRequest]:
        """The requests in `scope`'s regions, oldest first (pending ones unless told)."""
        return self.store.listed(state, None if scope is None else scope.regions)

    def approve(
        self,
        request_id: UUID,
        *,
        actor: Actor,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> tuple[ErasureRequest, StepResult]:
        """Approve another person's request: the case's personal data is erased now."""
        found = self._pending(request_id, scope)
        if found.requested_by == actor.user_id:
            raise OwnErasureRequest(request_id)
        result = self.engine.erase_personal_data(
            found.case_id, found.reason, actor=actor, scope=scope, audit=audit
        )
        # after the erasure (repeating it is harmless): a crash in between leaves it pending
        self.store.decide(request_id, APPROVED, actor.user_id, self._now())
        return self._get(request_id, scope), result

    def refuse(
        self, request_id: UUID, *, actor: Actor, scope: Scope | None = None
    ) -> ErasureRequest:
        """Refuse a request (the requester may withdraw their own): nothing is erased."""
        self._pending(request_id, scope)
        if not self.store.decide(request_id, REFUSED, actor.user_id, self._now()):
            raise ErasureRequestDecided(request_id, self._get(request_id, scope).state)
        return self._get(request_id, scope)

    def _pending(self, request_id: UUID, scope: Scope | None) -> ErasureRequest:
        found = self._get(request_id, scope)
        if found.state != PENDING:
            raise ErasureRequestDecided(request_id, found.state)
        return found

    def _get(self, request_id: UUID, scope: Scope | None) -> ErasureRequest:
        found = self.store.get(request_id)
        if found is None or (scope is not None and not scope.covers(found.region)):
            raise ErasureRequestNotFound(request_id)
        return found

    def _now(self) -> datetime:
        return self.engine.clock()
