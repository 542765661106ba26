"""Errors of moving a case: transfers between regions and assignment to a caseworker
(domain/transfers.py). Each has a stable problem `type`, as every error of errors.py does; they
live here because that module is near its size limit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from referral_engine.domain.errors import DomainError


class TransferNotPossible(DomainError):
    """A transfer command the case's transfer state does not allow; `code` says why:
    `undeclared`, `pending`, `none` or `receiving`."""

    type = "transfer-not-possible"
    title = "The transfer cannot be made now"
    WHY: ClassVar[Mapping[str, str]] = {
        "undeclared": "the case's workflow declares no transfers between regions",
        "pending": "a transfer of the case is already waiting for an answer",
        "none": "no transfer of the case is waiting for an answer",
        "receiving": "the case is still in another region until its transfer is accepted",
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(self.WHY[code])


class AssignmentRefused(DomainError):
    """An assignment the case's current one does not allow; `code`: `taken` (assigned to
    someone else: only a supervisor reassigns it) or `unchanged` (already so)."""

    type = "assignment-refused"
    title = "The case's assignment cannot change that way"
    WHY: ClassVar[Mapping[str, str]] = {
        "taken": "the case is assigned to someone else: only a supervisor reassigns it",
        "unchanged": "the case is already assigned that way",
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(self.WHY[code])


class AssigneeUnsuitable(DomainError):
    """The user named to work the case cannot: `code` `unknown` (no such active user) or
    `cannot_work` (not of the case's region, or a role that does not reach the case)."""

    type = "assignee-unsuitable"
    title = "This user cannot be assigned the case"
    WHY: ClassVar[Mapping[str, str]] = {
        "unknown": "is not an active user",
        "cannot_work": "cannot work on this case (another region, or a role that does not "
        "reach it)",
    }

    def __init__(self, user: str, code: str) -> None:
        self.user = user
        self.code = code
        super().__init__(f"user '{user}' {self.WHY[code]}")
