"""Domain errors. Each has a stable `type` slug that adapters map to a problem type and status."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from referral_engine.domain.text import shown_safely


class DomainError(Exception):
    """Base of every error a user can cause; `type` is stable and part of the interface."""

    type = "domain-error"
    title = "The request cannot be carried out"
    # Where the case the error concerns lies, once the engine has read it: for the audit log
    # only, never part of an answer (a case's existence must not leak).
    region: str | None = None


@dataclass(frozen=True)
class FieldProblem:
    """One offending field: its path (e.g. `data.valid_until`) and why, in English and as a
    stable `code` with the facts it names (`params`), for other languages to word it."""

    path: str
    message: str
    code: str = field(default="invalid", compare=False)
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidData(DomainError):
    type = "validation"
    title = "Some fields are missing or invalid"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class NotFound(DomainError):
    type = "not-found"
    title = "Not found"


class CaseNotFound(NotFound):
    def __init__(
        self, case_id: object, detail: str | None = None, *, region: str | None = None
    ) -> None:
        self.case_id = case_id
        self.region = region
        super().__init__(detail or f"case {case_id} not found")


class ReferralNotFound(NotFound):
    def __init__(self, referral_id: str) -> None:
        self.referral_id = referral_id
        super().__init__(f"referral {referral_id} not found")


class WorkflowNotFound(NotFound):
    def __init__(self, workflow_id: str, version: int | None = None) -> None:
        self.workflow_id = workflow_id
        self.version = version
        which = workflow_id if version is None else f"{workflow_id} version {version}"
        super().__init__(f"workflow {which} not found")


class IllegalTransition(DomainError):
    type = "illegal-transition"
    title = "This step is not legal from the current state"

    def __init__(self, trigger: str, state: str, legal: Sequence[str], rule: str = "") -> None:
        self.trigger, self.state, self.legal_triggers = trigger, state, tuple(legal)
        self.rule = rule  # the law refusing the step in this state (`refused_in`), or ""
        why, said = f" ({rule})" if rule else "", ", ".join(self.legal_triggers) or "none"
        super().__init__(f"'{trigger}' is not legal from state '{state}'{why}; legal now: {said}")


class TooEarly(DomainError):
    type = "too-early"
    title = "This step is not allowed yet"

    def __init__(self, trigger: str, earliest_on: date, after: str, started_on: date) -> None:
        self.trigger = trigger
        self.earliest_on = earliest_on
        self.after = after
        self.started_on = started_on
        super().__init__(
            f"'{trigger}' may not be taken before {earliest_on.isoformat()} "
            f"(counted from {after} on {started_on.isoformat()})"
        )


class MigrationRefused(DomainError):
    type = "migration-refused"
    title = "The case cannot move to the new workflow version"

    def __init__(self, case_id: object, problems: Sequence[str]) -> None:
        self.case_id = case_id
        self.problems = tuple(problems)
        super().__init__(f"case {case_id}: " + "; ".join(self.problems))


class RoleNotAllowed(DomainError):
    type = "forbidden-role"
    title = "Your role may not take this step"

    def __init__(self, trigger: str, role: str, allowed_roles: Sequence[str]) -> None:
        self.trigger = trigger
        self.role = role
        self.allowed_roles = tuple(allowed_roles)
        super().__init__(
            f"role '{role}' may not take '{trigger}'; roles that may: "
            + ", ".join(self.allowed_roles)
        )


class RegionNotAllowed(DomainError):
    type = "forbidden-region"
    title = "You do not work in this region"

    def __init__(self, region: str, action: str = "open cases in") -> None:
        self.region = region
        self.action = action
        super().__init__(f"you may not {action} region '{region}'")


class NotReceivingAgency(DomainError):
    type = "not-receiving-agency"
    title = "Only the receiving agency may take this step"

    def __init__(self, trigger: str, agency: str, receiving_agency: str) -> None:
        self.trigger = trigger
        self.agency = agency
        self.receiving_agency = receiving_agency
        super().__init__(
            f"'{trigger}' may only be taken by the receiving agency '{receiving_agency}', "
            f"not by '{agency}'"
        )


class PreconditionMissing(DomainError):
    type = "precondition-missing"
    title = "A required earlier step has not been recorded"

    def __init__(self, trigger: str, missing: Sequence[str]) -> None:
        self.trigger = trigger
        self.missing = tuple(missing)
        super().__init__(f"'{trigger}' needs first: " + ", ".join(self.missing))


class ConditionNotMet(DomainError):
    type = "condition-not-met"
    title = "The case's recorded data does not allow this step"

    def __init__(self, trigger: str, unmet: Sequence[Mapping[str, object]]) -> None:
        self.trigger = trigger
        self.unmet = tuple(dict(condition) for condition in unmet)
        """Each condition not holding: `field`; `equals`, `one_of`, `not_equals` or `age_below`."""
        super().__init__(f"'{trigger}' is only for cases where {', '.join(map(_said, self.unmet))}")


def _said(c: Mapping[str, object]) -> str:  # `is_child = true`, `citizenship != "UA"`
    if "age_below" in c:
        return f"{c['field']} is of a person under {c['age_below']} on {c.get('on', 'the day')}"
    key = next((k for k in ("one_of", "not_equals") if k in c), "equals")
    sign = "one of" if key == "one_of" else "!=" if key == "not_equals" else "="
    return f"{c['field']} {sign} {json.dumps(c.get(key))}"


class VersionConflict(DomainError):
    type = "version-conflict"
    title = "The case has changed since you read it"

    def __init__(self, expected: int, current: int) -> None:
        self.expected = expected
        self.current = current
        super().__init__(f"expected case version {expected}, but it is at version {current}")


class IdempotencyKeyReused(DomainError):
    type = "idempotency-key-reused"
    title = "This idempotency key was used for a different request"

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"idempotency key '{key}' was already used with a different request")


class InvalidWorkflow(DomainError):
    type = "invalid-workflow"
    title = "The workflow file is invalid"

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {p}" for p in self.problems))


class PersonalDataErased(DomainError):
    type = "personal-data-erased"
    title = "The personal data of this case has been erased"

    def __init__(self, fields: Sequence[str], *, retry: bool = False) -> None:
        self.fields = tuple(fields)
        self.retry = retry
        if retry:
            super().__init__(
                "the personal data of this case was erased on request; a retried request that "
                "carried personal fields can no longer be matched to its first answer, and "
                "nothing was recorded: " + ", ".join(self.fields)
            )
            return
        super().__init__(
            "the personal data of this case was erased on request; personal fields cannot be "
            "recorded on it again: " + ", ".join(self.fields)
        )


class ErasureRequestNotFound(NotFound):
    def __init__(self, request_id: object) -> None:
        self.request_id = request_id
        super().__init__(f"no erasure request {request_id} in your regions")


class ErasureRequestDecided(DomainError):
    type = "erasure-request-decided"
    title = "This erasure request has been decided already"

    def __init__(self, request_id: object, state: str) -> None:
        self.request_id = request_id
        self.state = state
        super().__init__(f"erasure request {request_id} is {state}, no longer pending")


class OwnErasureRequest(DomainError):
    type = "own-erasure-request"
    title = "Another person must approve an erasure you requested"

    def __init__(self, request_id: object) -> None:
        self.request_id = request_id
        super().__init__(
            f"you requested erasure {request_id}: another admin or supervisor must approve it"
        )


class DateNotConfirmable(DomainError):
    """A supervisor's confirmation of a stated date that has nothing to confirm; `code` says
    why: `not-a-step`, `not-backdated`, `confirmed` or `no-guard`."""

    type = "date-not-confirmable"
    title = "There is no stated date to confirm on this step"
    WHY: ClassVar[Mapping[str, str]] = {
        "not-a-step": "names no step of the case",
        "not-backdated": "is not a step stated on an earlier day than it was recorded",
        "confirmed": "has its stated date confirmed already",
        "no-guard": "holds back no later step (no earliest date counts from it now)",
    }

    def __init__(self, version: int, code: str) -> None:
        self.version = version
        self.code = code
        super().__init__(f"version {version} of the case {self.WHY[code]}")


class OwnStatedDate(DomainError):
    type = "own-stated-date"
    title = "Another person must confirm the date of a step you took"

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(
            f"you took the step at version {version}: another supervisor must confirm its date"
        )


class ReportNotFound(NotFound):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no report named '{name}'")


class PublicationNotFound(NotFound):
    def __init__(self, publication: object) -> None:
        self.publication = publication
        super().__init__(f"no publication {publication}")


class FiguresNotReproduced(DomainError):
    """Published figures read again as of their moment differ from their digest: something
    rewrote the past (a read model built wrongly, events removed) and must be looked into."""

    type = "figures-not-reproduced"
    title = "The published figures could not be reproduced"

    def __init__(self, publication: object, digest: str, published: str) -> None:
        self.publication = publication
        super().__init__(
            f"publication {publication} reads {digest[:12]}… now; it was published as "
            f"{published[:12]}…"
        )


class ImportMappingInvalid(DomainError):
    type = "import-mapping-invalid"
    title = "The import's mapping does not fit the workflow or the file"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class RowRefused(DomainError):
    """One register row that cannot become a case (the import reports it and goes on)."""

    type = "import-row-refused"
    title = "The row cannot be imported"

    def __init__(self, problems: Sequence[tuple[str | None, str]]) -> None:
        self.problems = tuple(problems)
        """(column, problem): the column is None where the row as a whole is concerned."""
        super().__init__("; ".join(f"{c or 'row'}: {p}" for c, p in self.problems))


class RegisterUnreadable(DomainError):
    type = "register-unreadable"
    title = "The register file cannot be read"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class AgencyNotFound(NotFound):
    def __init__(self, agency: str) -> None:
        self.agency = agency
        super().__init__(f"no agency '{agency}' in the registry")


class AgencyExists(DomainError):
    type = "agency-exists"
    title = "An agency with this id is registered already"

    def __init__(self, agency: str) -> None:
        self.agency = agency
        super().__init__(f"agency '{agency}' is registered already")


class AgreementNotFound(NotFound):
    def __init__(self, agency: str, agreement: str) -> None:
        self.agency = agency
        self.agreement = agreement
        super().__init__(f"agency '{agency}' has no agreement '{agreement}'")


class AgreementConflict(DomainError):
    """An agreement that cannot be recorded or ended as asked; `code` says why: `exists` (its
    id is taken on this agency) or `ended` (it has ended already)."""

    type = "agreement-conflict"
    title = "The agreement cannot be recorded or ended as asked"
    WHY: ClassVar[Mapping[str, str]] = {
        "exists": "is recorded already",
        "ended": "has ended already",
    }

    def __init__(self, agency: str, agreement: str, code: str) -> None:
        self.agency = agency
        self.agreement = agreement
        self.code = code
        super().__init__(f"agreement '{agreement}' of agency '{agency}' {self.WHY[code]}")


class NotificationNotFound(NotFound):
    """A notification that is not the reader's (or does not exist): the same answer for both."""

    def __init__(self, notification_id: int) -> None:
        self.notification_id = notification_id
        super().__init__(f"no notification {notification_id} of yours")


class SubscriptionNotFound(NotFound):
    def __init__(self, subscription: object) -> None:
        self.subscription = subscription
        super().__init__(f"no webhook subscription {subscription}")


class DeliveryNotFound(NotFound):
    def __init__(self, subscription: object, delivery: str) -> None:
        self.subscription = subscription
        self.delivery = shown_safely(delivery)
        super().__init__(f"webhook subscription {subscription} has no delivery {self.delivery}")
