"""What every command carries besides its payload: who, when, and how to recognise a retry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.text import text_problem

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a stated `occurred_at` may lie before it is refused (clock skew)."""
IDEMPOTENCY_KEY_MAX = 200
"""The longest idempotency key a command carries (the API refuses longer; pages cut theirs)."""


@dataclass(frozen=True)
class Actor:
    """The user behind a command: who they are, the role they act in and their agency."""

    user_id: str
    role: str
    agency: str

    def as_dict(self) -> dict[str, str]:
        return {"user_id": self.user_id, "role": self.role, "agency": self.agency}


@dataclass(frozen=True)
class ImportMark:
    """Where an imported step comes from: a row of a register file (domain/imports.py)."""

    register: str
    row: int
    """The row's number in its file, as a spreadsheet shows it (the header is row 1)."""
    row_id: str
    file_digest: str

    def reason(self) -> str:
        """Why the step's stated date counts: the register says so (see backdating.py)."""
        return f"imported from register {self.register}, row {self.row} (id {self.row_id})"


@dataclass(frozen=True)
class Context:
    """Who issues a command and when: `now` is the recording time, `occurred_at` the stated one."""

    actor: Actor
    now: datetime
    occurred_at: datetime | None = None
    correlation_id: str = ""
    causation_id: str | None = None
    idempotency_key: str | None = None
    backdating_reason: str | None = None
    """Why the stated `occurred_at` may count for earliest dates (see backdating.py)."""
    imported: ImportMark | None = None
    """Set when the step comes from a register's row: it is dated by the register, however long
    ago, and stands for whichever role took it then (the importer is not that role)."""

    def __post_init__(self) -> None:
        key = self.idempotency_key
        if key is not None and (found := text_problem(key)) is not None:
            problem = FieldProblem("idempotency_key", found.message, found.code, found.params)
            raise InvalidData([problem])

    def occurred(
        self, not_before: datetime | None = None, earlier: str = "the case began"
    ) -> datetime:
        """The time the step happened: as stated by the user, never in the future, never
        before `not_before` (the time `earlier` happened)."""
        when = self.occurred_at or self.now
        if when.tzinfo is None:
            raise InvalidData([FieldProblem("occurred_at", "must include a time zone")])
        if when > self.now + CLOCK_SKEW:
            raise InvalidData([FieldProblem("occurred_at", "must not be in the future")])
        if not_before is not None and when < not_before:
            problem = f"must not be before {earlier} ({not_before.isoformat()})"
            raise InvalidData([FieldProblem("occurred_at", problem)])
        return when

    def key(self) -> str | None:
        """Idempotency keys are scoped to the user who sent them."""
        if self.idempotency_key is None:
            return None
        return f"{self.actor.user_id}:{self.idempotency_key}"


def fingerprint(*parts: Any) -> str:
    """A stable digest of a command's content, to tell a true retry from a reused key."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def recorded(
    ctx: Context, occurred: datetime, print_: str, causation_id: str | None = None
) -> dict[str, Any]:
    """The fields a step's event carries about who recorded it, when, why, and its digest
    (`causation_id` when the command names no cause)."""
    return {
        "timestamp": ctx.now,
        "actor": ctx.actor.as_dict(),
        "occurred_at": occurred,
        "correlation_id": ctx.correlation_id,
        "causation_id": ctx.causation_id or causation_id,
        "idempotency_key": ctx.idempotency_key,
        "fingerprint": print_,
    }
