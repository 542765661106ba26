"""The audit mark: what a request's audit entry records beyond the request itself, put on the
request once by `audited` (or `begin`), filled by the route, and written by `write` once the
response status is known (the `Observe` middleware calls it).

A command's entry is written with the command instead, in the transaction of its events: the
route hands the engine `command(request, status)`, and `done(request, result)` tells `write`
that the entry is already in the log (unless the command wrote nothing: a retry's first answer,
which is then recorded like a read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import Depends, Request

from referral_engine.adapters.security import User
from referral_engine.application.ports import AuditNote
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import CaseNotFound, DomainError
from referral_engine.domain.personal import Disclosure, narrowest
from referral_engine.domain.views import StepResult
from referral_engine.domain.workflow import WorkflowDefinition


@dataclass
class AuditMark:
    """The action, the case it concerns and where that case lies, what else to record, and the
    disclosures through which the response showed personal fields."""

    action: str
    case_id: UUID | None = None
    region: str | None = None
    placed: bool = False  # whether `region` is known (a case that does not exist has none)
    detail: dict[str, Any] | None = None
    disclosures: list[Disclosure] = field(default_factory=list)
    written: bool = False  # whether the entry went into the log with the request's command
    cases: list[tuple[UUID, str, dict[str, Any]]] = field(default_factory=list)
    """The other cases whose personal data the response showed, each with its region and the
    detail of an entry of its own (a page of many cases: each case's audit lists the read)."""

    def concerns(self, case_id: UUID, region: str) -> None:
        """The case the request acted on or read, and its region (from that very read)."""
        self.case_id = case_id
        self.place(region)

    def place(self, region: str | None) -> None:
        """The region of the request's case, learnt from a read the request made anyway."""
        self.region, self.placed = region, True

    def refused(self, exc: DomainError) -> None:
        """A refusal after the engine read the case: it says where the case lies, if anywhere."""
        if isinstance(exc, CaseNotFound):
            if exc.case_id == self.case_id:
                self.place(exc.region)
        elif exc.region is not None and self.case_id is not None:
            self.place(exc.region)

    def personal_fields(self) -> list[str]:
        """The personal fields the response showed."""
        return sorted({f for d in self.disclosures for f in d.disclosed})

    def entry_detail(self) -> dict[str, Any] | None:
        """The entry's detail: the route's, and a read of personal data's fields (who saw which
        fields of which case, and when)."""
        personal = self.personal_fields()
        if personal:
            return {**(self.detail or {}), "personal_fields": personal}
        return self.detail


def begin(request: Request, action: str) -> AuditMark:
    """Mark the request for the audit log (its entry is written once the status is known)."""
    case_id = request.path_params.get("case_id")
    try:
        found = AuditMark(action, UUID(str(case_id)) if case_id else None)
    except ValueError:
        found = AuditMark(action)
    request.state.audit = found
    return found


def audited(action: str) -> Any:
    """A route dependency marking its requests for the audit log."""

    async def mark(request: Request) -> None:  # no I/O: no hop to a worker thread
        begin(request, action)

    return Depends(mark)


def current(request: Request) -> AuditMark | None:
    """The request's audit mark, if it has one."""
    found: AuditMark | None = getattr(request.state, "audit", None)
    return found


def mark_of(request: Request) -> AuditMark:
    """The audit mark of a request its route marked (a route that fills one must have one)."""
    found = current(request)
    if found is None:
        raise LookupError(f"{request.url.path} is not marked for the audit log")
    return found


def disclosure(
    request: Request,
    user: User,
    workflow: WorkflowDefinition,
    narrowed_by: WorkflowDefinition | None = None,
) -> Disclosure:
    """What `user` may see of the workflow's personal fields (and of those another version,
    the case's current one, lets them see: `narrowed_by`). Every route or page showing case
    data goes through one; the audit entry of the request lists the personal fields it showed."""
    personal = workflow.personal
    if narrowed_by is not None:
        personal = narrowest(personal, narrowed_by.personal)
    found = Disclosure(personal, user.role)
    mark = current(request)
    if mark is not None:
        mark.disclosures.append(found)
    return found


def refused(request: Request, exc: DomainError) -> None:
    """Note on the request's mark what a domain error tells of the case's region."""
    mark = current(request)
    if mark is not None:
        mark.refused(exc)


def command(request: Request, status: int, personal_fields: list[str] | None = None) -> AuditNote:
    """The request's entry for its command to write in its own transaction: `status` is the
    route's answer when the command is done, `personal_fields` what that answer will show."""
    mark = mark_of(request)
    user = getattr(request.state, "user", None)
    detail = mark.detail
    if personal_fields:
        detail = {**(detail or {}), "personal_fields": sorted(personal_fields)}
    return AuditNote(
        action=mark.action,
        method=request.method,
        path=request.url.path,
        status=status,
        user_name=getattr(user, "name", None),
        role=getattr(user, "role", None),
        agency=getattr(user, "agency", None),
        address=request.client.host if request.client else None,
        detail=detail,
    )


def done(request: Request, result: StepResult) -> None:
    """The command of the request is done: its entry is in the log unless it wrote nothing."""
    mark_of(request).written = not result.replayed


def write(request: Request, status: int) -> None:
    """Write the request's audit entry, if it is marked for one and its command did not."""
    mark = current(request)
    if mark is None or mark.written:
        return
    runtime: Runtime = request.app.state.runtime
    if not mark.placed and mark.case_id is not None:
        # Refused before the case was read: file it under the case's region anyway, so that
        # region's supervisors see attempts on their cases (the caller learns nothing).
        mark.place(_region_of(runtime, mark.case_id))
    runtime.audit.record(
        user=getattr(request.state, "user", None),
        action=mark.action,
        method=request.method,
        path=request.url.path,
        status=status,
        case_id=mark.case_id,
        region=mark.region,
        address=request.client.host if request.client else None,
        detail=mark.entry_detail(),
        cases=mark.cases,
    )


def _region_of(runtime: Runtime, case_id: UUID) -> str | None:
    try:
        return runtime.engine.case(case_id).region
    except DomainError:
        return None
