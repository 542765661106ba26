"""Commands on one case: `replay` (as it was, personal data only when asked, audited) and
`erase` (its personal data); `print_case` shows a case and its history."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table

from referral_engine.bootstrap import Runtime
from referral_engine.domain.personal import Disclosure, is_marker, shown_personal
from referral_engine.domain.views import CaseView, HistoryEntry
from referral_engine.entrypoints.cli import console
from referral_engine.entrypoints.cli.console import err, mark, out, record, runtime


def replay(
    case_id: UUID,
    version: Annotated[int | None, typer.Option(help="Replay up to this event number")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="ISO-8601 time with time zone")
    ] = None,
    personal_data: Annotated[
        bool,
        typer.Option(
            "--personal-data",
            help="Also show the personal fields (recorded in the audit log under your OS user)",
        ),
    ] = False,
) -> None:
    """Show a case as it was at a version or at a time, with its history up to then; personal
    fields are redacted unless --personal-data is given."""
    if version is not None and as_of is not None:
        raise typer.BadParameter("give --version or --as-of, not both")
    with runtime() as rt:
        engine = rt.engine
        if version is not None:
            view = engine.case_at_version(case_id, version)
        elif as_of is not None:
            view = engine.case_as_of(case_id, as_of)
        else:
            view = engine.case(case_id)
        history = [h for h in engine.history(case_id) if h.version <= view.version]
        personal = engine.workflows.get(view.workflow_id, view.workflow_version).personal
        mark.case_id, mark.region = view.id, view.region
        shown = sorted(shown_personal(view.data, personal)) if personal_data else []
        _audit_cli_read(rt, view, shown)
        if not personal_data:
            view = replace(view, data=Disclosure(personal, None).data(view.data))
        print_case(view, history, with_data=True)
    if not personal_data and any(name in personal for name in view.data):
        err.print("personal fields redacted; --personal-data shows them (and is audited)")


def _audit_cli_read(rt: Runtime, view: CaseView, fields: list[str]) -> None:
    """Record who read which personal fields through the command line, before showing them."""
    mark.detail = {"version": view.version}
    if fields:
        mark.detail["personal_fields"] = fields
    record(rt)


def print_case(view: CaseView, history: list[HistoryEntry], *, with_data: bool = False) -> None:
    """A case's state, history, referrals, deadlines and (when asked) data, as tables."""
    title = (
        f"case {view.id} \\[{view.workflow_id} v{view.workflow_version}] region {view.region}: "
        f"[bold]{view.state}[/bold] at version {view.version}"
    )
    out.print(title)  # a line of its own: a table title would wrap to the table's width
    table = Table("#", "occurred", "event", "step", "by")
    for h in history:
        move = f"{h.from_state or '-'} -> {h.to_state}"
        if h.referral_id:
            move = f"referral {h.referral_id}: {move}"
        by = f"{h.actor['role']} ({h.actor['agency']})"
        table.add_row(str(h.version), h.occurred_at.strftime("%Y-%m-%d %H:%M"), h.event, move, by)
    out.print(table)
    for r in view.referrals:
        out.print(f"  referral {r.id}: {r.service} at {r.agency}: {r.state}", highlight=False)
    for d in view.deadlines:
        late = " [red]OVERDUE[/red]" if d.overdue else ""
        out.print(f"  deadline {d.name}: due {d.due_on}{late}", highlight=False)
    for w in view.not_yet_allowed:
        out.print(f"  not before {w.earliest_on}: {w.trigger} (from {w.after})", highlight=False)
    if with_data:
        for key, value in view.data.items():
            shown = f"({value['redacted']})" if is_marker(value) else value
            out.print(f"  {key}: {shown}", highlight=False)
    out.print()


def erase(
    case_id: UUID,
    reason: Annotated[
        str,
        typer.Option(
            help="Lawful ground and request reference, at most 500 characters. Must not contain "
            "personal data (no names, no document numbers): it is kept in clear in the event log"
        ),
    ],
    operator: Annotated[
        str,
        typer.Option(
            help="Your user name: a known admin (recorded in the event and the audit log, with "
            "your operating system user)"
        ),
    ],
) -> None:
    """Erase a case's personal data: record the erasure, destroy the case key (or, when the
    configuration asks for two persons, request the erasure for another person to approve)."""
    with runtime() as rt:
        user = console.operator(rt, operator, ("admin",))
        mark.case_id, mark.detail = case_id, {"reason": reason}
        if rt.settings.erasure_approval == "two-person":
            asked = rt.erasures.request(case_id, reason, actor=user.actor)
            mark.region = asked.region
            out.print(
                f"erasure of case {case_id} requested ({asked.id}); another admin or supervisor "
                f"approves it: referral-engine erasures approve {asked.id} --operator NAME",
                highlight=False,
            )
            return
        result = rt.engine.erase_personal_data(
            case_id, reason, actor=user.actor, audit=mark.note(0)
        )
        mark.written = not result.replayed
    done = "was already erased" if result.replayed else "erased"
    out.print(f"case {case_id}: personal data {done} (version {result.version})")
