"""`referral-engine users ...`: users, their passwords for the pages and their bearer tokens."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table

from referral_engine.adapters.security import check_password, token_expiry
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import AgencyNotFound
from referral_engine.domain.regions import CODE, Region, close_matches
from referral_engine.entrypoints.cli.console import err, out, runtime
from referral_engine.workflows.loader import WorkflowRegistry

app = typer.Typer(no_args_is_help=True, help="Users and their bearer tokens.")


@app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="A workflow role, supervisor, analyst or admin")],
    agency: Annotated[str, typer.Option()],
    region: Annotated[list[str], typer.Option(help="Region covered (repeat; * for all)")],
    password: Annotated[
        bool, typer.Option("--password", help="Also ask for a password to sign in to the pages")
    ] = False,
    email: Annotated[
        str | None, typer.Option(help="Where e-mail notifications go (none: in-app only)")
    ] = None,
) -> None:
    """Create a user and print their bearer token (shown once; only its hash is kept)."""
    secret = _ask_password() if password else None
    if secret is not None:
        check_password(secret)  # before the user exists: no user half made
    with runtime() as rt:
        _check_regions(region, rt.engine.workflows)
        _check_agency(agency, role, rt)
        user = rt.users.add(name, role, agency, region, email)
        if secret is not None:
            rt.users.set_password(user.name, secret)
        token = rt.users.issue_token(user.name, "created with the user")
    out.print(f"user {user.name} ({user.role}, {user.agency}; {', '.join(user.regions)})")
    out.print(f"token: {token}", highlight=False)


def _check_regions(regions: list[str], workflows: WorkflowRegistry) -> None:
    """Each region a code of some workflow's registry (`*`: all); exit 2 naming close matches."""
    known: dict[str, Region] = {}
    for workflow in workflows:
        known.update(workflow.regions)
    for code in regions:
        if code != "*" and (code not in known if known else not CODE.match(code)):
            close = ", ".join(f"{r.code} ({r.name('en')})" for r in close_matches(code, known))
            hint = f"; close matches: {close}" if close else ""
            err.print(f"error: --region: '{code}' is in no workflow's regions{hint}", markup=False)
            raise typer.Exit(2)


@app.command("change")
def users_change(
    name: str,
    email: Annotated[
        str | None, typer.Option(help="The new address e-mail notifications go to")
    ] = None,
    no_email: Annotated[
        bool, typer.Option("--no-email", help="Send this user no e-mail (in-app only)")
    ] = False,
) -> None:
    """Change a user's e-mail address (where their notifications go), or remove it."""
    if (email is None) == (not no_email):
        err.print("error: give --email ADDRESS or --no-email", markup=False)
        raise typer.Exit(2)
    with runtime() as rt:
        address = rt.users.change_email(name, None if no_email else email)
    out.print(f"{name}: e-mail {address or 'none (in-app notifications only)'}", highlight=False)


def _check_agency(agency: str, role: str, rt: Runtime) -> None:
    """A user of a workflow role belongs to a registered agency: exit 2 naming close matches.
    The engine's own roles (admin, analyst, statistician) are not checked: the first admin
    exists before any agency (admins register them), and no rule reads those roles' agency."""
    if not any(role in w.roles for w in rt.engine.workflows):
        return
    try:
        rt.agencies.get(agency)
    except AgencyNotFound:
        close = ", ".join(
            f"{slug} ({rt.agencies.get(slug).name('en')})"
            for slug in rt.agencies.close_matches(agency)
        )
        hint = f"; close matches: {close}" if close else ""
        err.print(
            f"error: --agency: '{agency}' is not a registered agency{hint} (register it with "
            "`referral-engine agencies add`)",
            markup=False,
        )
        raise typer.Exit(2) from None


@app.command("password")
def users_password(name: str) -> None:
    """Set or change a user's password for the pages (asked for; only an argon2 hash is kept)."""
    secret = _ask_password()
    with runtime() as rt:
        rt.users.set_password(name, secret)
    out.print(f"password set for {name}")


def _ask_password() -> str:
    """A password typed twice (hidden), or read from standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    secret: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return secret


Expires = Annotated[
    str | None,
    typer.Option(
        help="A duration (12h, 90d, 8w) or a date (YYYY-MM-DD, valid to its end, UTC); "
        "default: REFERRAL_ENGINE_TOKEN_DAYS (90 days)"
    ),
]


@app.command("token")
def users_token(
    name: str, label: Annotated[str, typer.Option()] = "", expires: Expires = None
) -> None:
    """Issue another token for a user (shown once), expiring as given or by default."""
    at = token_expiry(expires, datetime.now(UTC)) if expires is not None else None
    with runtime() as rt:
        out.print(f"token: {rt.users.issue_token(name, label, at)}", highlight=False)


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at else ""


@app.command("tokens")
def users_tokens(name: Annotated[str | None, typer.Argument()] = None) -> None:
    """List tokens (never their values): id, user, label, created, expires, revoked (UTC)."""
    with runtime() as rt:
        table = Table("id", "user", "label", "created", "expires", "revoked")
        for t in rt.users.tokens(name):
            table.add_row(
                str(t.id),
                t.user,
                t.label,
                _when(t.created_at),
                _when(t.expires_at),
                _when(t.revoked_at),
            )
        out.print(table)


@app.command("disable")
def users_disable(name: str) -> None:
    """Stop a user signing in: tokens and password refused, page sessions ended at once."""
    with runtime() as rt:
        rt.users.disable(name)
    out.print(f"disabled {name}; their sessions have ended")


@app.command("enable")
def users_enable(name: str) -> None:
    """Let a disabled user sign in again."""
    with runtime() as rt:
        rt.users.enable(name)
    out.print(f"enabled {name}")


@app.command("sessions")
def users_sessions(
    name: str, end: Annotated[bool, typer.Option("--end", help="End every live one")] = False
) -> None:
    """List a user's page sessions (UTC), or end them all with --end."""
    with runtime() as rt:
        if end:
            out.print(f"ended {rt.sessions.end_all(name)} session(s) of {name}")
            return
        table = Table("id", "signed in", "last seen", "expires", "ended", "from")
        for s in rt.sessions.of_user(name):
            ended = f"{_when(s.ended_at)} ({s.end_reason})" if s.ended_at else ""
            table.add_row(
                str(s.id),
                _when(s.created_at),
                _when(s.last_seen_at),
                _when(s.expires_at),
                ended,
                s.address or "",
            )
        out.print(table)


@app.command("revoke")
def users_revoke(token_id: UUID) -> None:
    """Revoke a token by its id."""
    with runtime() as rt:
        if not rt.users.revoke(token_id):
            err.print(f"error: no live token with id {token_id}")
            raise typer.Exit(1)
    out.print(f"revoked {token_id}")
