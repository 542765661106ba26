"""`referral-engine users ...`: users, their passwords for the pages and their bearer tokens."""

from __future__ import annotations

import sys
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table

from referral_engine.adapters.security import check_password
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
) -> None:
    """Create a user and print their bearer token (shown once; only its hash is kept)."""
    secret = _ask_password() if password else None
    if secret is not None:
        check_password(secret)  # before the user exists: no user half made
    with runtime() as rt:
        _check_regions(region, rt.engine.workflows)
        user = rt.users.add(name, role, agency, region)
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


@app.command("token")
def users_token(name: str, label: Annotated[str, typer.Option()] = "") -> None:
    """Issue another token for a user (shown once)."""
    with runtime() as rt:
        out.print(f"token: {rt.users.issue_token(name, label)}", highlight=False)


@app.command("tokens")
def users_tokens(name: Annotated[str | None, typer.Argument()] = None) -> None:
    """List tokens (never their values): id, user, label, created, revoked."""
    with runtime() as rt:
        table = Table("id", "user", "label", "created", "revoked")
        for t in rt.users.tokens(name):
            revoked = t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else ""
            table.add_row(
                str(t.id), t.user, t.label, t.created_at.strftime("%Y-%m-%d %H:%M"), revoked
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
