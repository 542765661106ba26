"""Dashboards: aggregates from the read models, small counts suppressed, JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from ...dashboards import dashboard, to_csv
from ..deps import AnyUser, RuntimeDep
from ..problems import problem_responses

router = APIRouter(prefix="/api/dashboards", tags=["dashboards"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        404: "No such dashboard",
        422: "Invalid filters",
        503: "The read model is being built or the database is unavailable",
    }
)


class DashboardInfo(BaseModel):
    name: str
    dimensions: list[str]
    counts: list[str]
    derived: list[str]


class SuppressedCell(BaseModel):
    row: int
    """Index into `rows`; -1 is the totals row."""
    column: str


class DashboardOut(BaseModel):
    name: str
    k: int
    dimensions: list[str]
    counts: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, int | None]
    suppressed: list[SuppressedCell]


@router.get("", response_model=list[DashboardInfo], responses=PROBLEMS)
def list_dashboards(user: AnyUser, runtime: RuntimeDep) -> list[DashboardInfo]:
    """The dashboards the read models publish."""
    return [
        DashboardInfo(
            name=name, dimensions=list(d.dimensions), counts=list(d.counts), derived=list(d.derived)
        )
        for name, d in runtime.projections.dashboards().items()
    ]


@router.get(
    "/{name}",
    response_model=DashboardOut,
    responses={**PROBLEMS, 200: {"content": {"text/csv": {}}}},
)
def read_dashboard(
    name: str,
    user: AnyUser,
    runtime: RuntimeDep,
    region: Annotated[str | None, Query(max_length=100)] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    format: Literal["json", "csv"] = "json",
) -> DashboardOut | PlainTextResponse:
    """A dashboard filtered by region and period; counts below k are suppressed (null / x)."""
    declared, published = dashboard(
        runtime.projections,
        name,
        k=runtime.settings.suppression_k,
        today=runtime.engine.clock().date(),
        region=region,
        start=from_,
        end=to,
    )
    if format == "csv":
        return PlainTextResponse(
            to_csv(declared, published),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return DashboardOut(
        name=name,
        k=published.k,
        dimensions=list(declared.dimensions),
        counts=list(declared.counts),
        rows=_jsonable(published.rows),
        totals=published.totals,
        suppressed=[SuppressedCell(row=r, column=c) for r, c in published.suppressed],
    )


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (float(v) if hasattr(v, "is_nan") else v) for k, v in row.items()} for row in rows]
