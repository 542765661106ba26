"""Events recorded beside a case's steps: they leave its state where it is (a note, a document,
a transfer between regions, an assignment)."""

from __future__ import annotations

from typing import Any

from referral_engine.domain.case import Case
from referral_engine.domain.commands import Context, recorded


def record_aside(
    case: Case,
    event: type[Case.CaseMoved],
    name: str,
    detail: dict[str, Any],
    data: dict[str, Any],
    ctx: Context,
    print_: str,
    *,
    region: str | None = None,
    clocks: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], []),
) -> None:
    """Record on the case an event that leaves its state where it is (a note, a document, a
    transfer, an assignment): `clocks` are the deadlines it stops and starts, `region` the
    case's region after it."""
    occurred = max(ctx.now, case.last_occurred_at)
    case.trigger_event(
        event,
        name=name,
        trigger=None,
        referral_id=None,
        from_state=case.state,
        to_state=case.state,
        detail=detail,
        data=data,
        deadlines_started=clocks[1],
        deadlines_stopped=clocks[0],
        **recorded(ctx, occurred, print_, f"{case.id}:{case.version}"),
        workflow_id=case.workflow_id,
        workflow_version=case.workflow_version,
        region=region or case.region,
    )
