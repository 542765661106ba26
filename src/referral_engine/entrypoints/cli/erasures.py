"""`referral-engine erasures ...`: erasure requests waiting for a second person (two-person
erasure, REFERRAL_ENGINE_ERASURE_APPROVAL=two-person); `erase` makes them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from referral_engine.entrypoints.cli import console
from referral_engine.entrypoints.cli.console import mark, out, runtime

app = typer.Typer(no_args_is_help=True, help="Erasure requests: list, approve, refuse.")
DECIDERS = ("admin", "supervisor")
Operator = Annotated[
    str,
    typer.Option(help="Your user name: a known admin or supervisor (audited with your OS user)"),
]


@app.command("list")
def erasures_list(
    state: Annotated[str, typer.Option(help="pending, approved, refused or all")] = "pending",
) -> None:
    """Erasure requests, oldest first: id, case, region, who asked and when, the decision."""
    with runtime() as rt:
        found = rt.erasures.listed(None if state == "all" else state)
    for r in found:  # one line each, whole (a table would cut the ids on a narrow terminal)
        decided = f" by {r.decided_by}" if r.decided_by else ""
        out.print(
            f"{r.id}  case {r.case_id}  {r.region}  requested by {r.requested_by} "
            f"{r.requested_at:%Y-%m-%d %H:%M}  {r.state}{decided}",
            highlight=False,
            soft_wrap=True,
        )
    if not found:
        out.print(f"no {state} erasure requests")


@app.command("approve")
def erasures_approve(request_id: UUID, operator: Operator) -> None:
    """Approve another person's erasure request: the case's personal data is erased now."""
    with runtime() as rt:
        user = console.operator(rt, operator, DECIDERS)
        mark.detail = {"erasure_request": str(request_id)}
        asked, result = rt.erasures.approve(
            request_id, actor=user.actor, scope=user.reach, audit=mark.note(0)
        )
        mark.case_id, mark.region, mark.written = asked.case_id, asked.region, not result.replayed
    out.print(f"approved {request_id}: case {asked.case_id} personal data erased")


@app.command("refuse")
def erasures_refuse(request_id: UUID, operator: Operator) -> None:
    """Refuse an erasure request: nothing is erased."""
    with runtime() as rt:
        user = console.operator(rt, operator, DECIDERS)
        mark.detail = {"erasure_request": str(request_id)}
        asked = rt.erasures.refuse(request_id, actor=user.actor, scope=user.reach)
        mark.case_id, mark.region = asked.case_id, asked.region
    out.print(f"refused {request_id}: case {asked.case_id} keeps its personal data")
