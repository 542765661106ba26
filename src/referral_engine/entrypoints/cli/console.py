"""What every command of the CLI shares: the two consoles, the runtime built from Settings, and
the audit entry of each command (the operating system user, the `cli` channel)."""

from __future__ import annotations

import getpass
import math
import shlex
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console

from referral_engine.adapters.security import User
from referral_engine.application.ports import AuditNote
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.errors import FieldProblem, InvalidData

out = Console(width=None if Console().is_terminal else 140)
err = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 200)


@dataclass
class CliMark:
    """What the running command's audit entry records beyond the command line itself."""

    operator: User | None = None
    case_id: UUID | None = None
    region: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    written: bool = False  # written already (with the command's event, or before a disclosure)

    def note(self, status: int) -> AuditNote:
        """The command's entry: the declared operator (a known user) and the OS user."""
        os_user = getpass.getuser()
        who = self.operator
        line = " ".join(shlex.quote(a) for a in ["referral-engine", *sys.argv[1:]])
        return AuditNote(
            action=action(sys.argv[1:]),
            method="CLI",
            path=line[:1000],
            status=status,
            user_name=who.name if who is not None else f"os:{os_user}",
            role=who.role if who is not None else "operator",
            agency=who.agency if who is not None else "command-line",
            address=socket.gethostname(),
            detail=self.detail,
            channel="cli",
            os_user=os_user,
            case_id=self.case_id,
            region=self.region,
        )


GROUPS = frozenset(
    {
        "agencies",
        "audit",
        "erasures",
        "export",
        "keys",
        "maintenance",
        "notifications",
        "projections",
        "users",
        "webhooks",
        "workflows",
    }
)


def action(args: list[str]) -> str:
    """The audit action of a command line: `cli.` and the command's name (`cli.users.add`)."""
    words = args[:2] if args[:1] and args[0] in GROUPS else args[:1]
    return ".".join(["cli", *words]) if words else "cli"


def _poll_seconds(value: float) -> float:
    if not (math.isfinite(value) and POLL_RANGE[0] <= value <= POLL_RANGE[1]):
        low, high = POLL_RANGE
        raise typer.BadParameter(f"must be a number of seconds from {low} to {high:.0f}")
    return value


POLL_RANGE = (0.05, 3600.0)
Poll = Annotated[
    float,
    typer.Option(
        help="Seconds between polls when not woken (0.05 to 3600)", callback=_poll_seconds
    ),
]
"""A worker's `--poll`: a nan, an infinity, zero or less made its loop spin or fail forever."""

mark = CliMark()
"""The running command's mark (one command per process)."""


@contextmanager
def runtime(*, audited: bool = True) -> Iterator[Runtime]:
    """The wired engine, read models and users for one command, closed when it ends; the
    command's audit entry is written as it ends (status 0, or 1 when it failed)."""
    with build(Settings()) as rt:
        try:
            yield rt
        except BaseException as exc:
            if audited and not mark.written:
                code = getattr(exc, "exit_code", getattr(exc, "code", 1))  # typer.Exit, exit()
                record(rt, 0 if code in (0, None) else 1)
            raise
        if audited and not mark.written:
            record(rt, 0)


def record(rt: Runtime, status: int = 0) -> None:
    """Write the running command's audit entry now (before showing what it read, say)."""
    rt.audit.write(mark.note(status))
    mark.written = True


def operator(rt: Runtime, name: str, roles: tuple[str, ...]) -> User:
    """The user an operator declares to be: a known user with one of `roles` (the entry also
    records the OS user, so a false name is at least traceable to an account); a disabled
    user may not act here any more than through the API or the pages."""
    user = rt.users.get(name, active=True)
    if user is None or user.role not in roles:
        problem = f"must name a known user, not disabled, with role {' or '.join(roles)}"
        raise InvalidData([FieldProblem("operator", problem)])
    mark.operator = user
    return user
