"""The deadline board for supervisors: overdue and due-soon deadlines, steps not allowed yet."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from referral_engine.application.deadline_board import Board, BoardFilter, Kind, deadline_board
from referral_engine.entrypoints.api.deps import DeadlineReader
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/deadlines", tags=["deadlines"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Not a supervisor or admin, or a region you do not cover",
        422: "Invalid filters",
        503: "The read model is being built or the database is unavailable",
    }
)
Name = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]


class DeadlineItem(BaseModel):
    """An open deadline: `overdue` once its due date has passed, else `due_soon`."""

    kind: Literal["overdue", "due_soon"]
    case_id: UUID
    region: str | None
    agency: str | None
    """Who answers for it: the receiving agency of a referral's deadline."""
    workflow_id: str | None
    workflow_version: int | None
    """The workflow version that declares the deadline (its title, its source)."""
    name: str
    referral_id: str | None
    started_on: date | None
    due_on: date
    days_left: int
    """Negative when overdue."""
    service_target: bool | None


class NotYetAllowedItem(BaseModel):
    """A step held back by an earliest-date guard (e.g. a recovery period), legal from
    `earliest_on`."""

    kind: Literal["not_yet_allowed"]
    case_id: UUID
    region: str | None
    agency: str | None
    workflow_id: str | None
    workflow_version: int | None
    trigger: str
    counted_from: str | None
    """The event the earliest date counts from."""
    started_on: date | None
    earliest_on: date
    days_left: int


BoardItem = Annotated[DeadlineItem | NotYetAllowedItem, Field(discriminator="kind")]


class GroupOut(BaseModel):
    region: str
    agency: str
    overdue: int
    due_soon: int
    not_yet_allowed: int


class DeadlineBoardOut(BaseModel):
    today: date
    within: int
    """Days ahead that count as due soon."""
    region: str | None
    agency: str | None
    kind: Kind | None
    groups: list[GroupOut]
    """Rows by region and agency, counted by kind."""
    items: list[BoardItem]
    truncated: bool
    """A kind of row reached the limit: narrow the filter to see them all."""


@router.get(
    "",
    response_model=DeadlineBoardOut,
    responses=PROBLEMS,
    dependencies=[audited("deadline.list")],
)
def read_deadline_board(
    user: DeadlineReader,
    runtime: RuntimeDep,
    region: Name = None,
    agency: Name = None,
    kind: Kind | None = None,
    within: Annotated[int, Query(ge=0, le=365)] = 14,
) -> DeadlineBoardOut:
    """Deadlines and steps not allowed yet in the caller's regions, by region and agency."""
    wanted = BoardFilter(runtime.engine.clock().date(), user.scope, region, agency, kind, within)
    board = deadline_board(runtime.projections, wanted)
    return DeadlineBoardOut(
        today=wanted.today,
        within=within,
        region=region,
        agency=agency,
        kind=kind,
        groups=[GroupOut(region=r, agency=a, **counts) for r, a, counts in board.groups()],
        items=_items(board),
        truncated=board.full,
    )


def _items(board: Board) -> list[BoardItem]:
    items: list[BoardItem] = [
        DeadlineItem.model_validate(row) for row in (*board.overdue, *board.due_soon)
    ]
    items += [NotYetAllowedItem.model_validate(row) for row in board.not_yet_allowed]
    return items
