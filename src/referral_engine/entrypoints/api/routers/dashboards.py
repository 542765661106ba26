"""Dashboards: aggregates from the read models, small counts suppressed, JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from referral_engine.application.dashboards import Report, dashboards, report, to_csv
from referral_engine.application.disclosure import Value
from referral_engine.entrypoints.api.deps import AnyUser
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/dashboards", tags=["dashboards"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        404: "No such dashboard",
        422: "Invalid filters",
        503: "The read model is being built or the database is unavailable",
    }
)
Region = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "The dashboard", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


class DashboardInfo(BaseModel):
    name: str
    title: str
    dimensions: list[str]
    counts: list[str]
    derived: list[str]
    period: str | None


class SuppressedCell(BaseModel):
    row: int
    """Index into `rows`."""
    column: str


class DashboardOut(BaseModel):
    name: str
    title: str
    k: int
    region: str | None
    start: date | None
    """The period applied: `from` widened to the first day of its month."""
    end: date | None
    """The period applied: `to` widened to the last day of its month."""
    columns: list[str]
    dimensions: list[str]
    counts: list[str]
    derived: list[str]
    rows: list[dict[str, Value]]
    suppressed: list[SuppressedCell]

    @classmethod
    def of(cls, r: Report) -> DashboardOut:
        d, published = r.dashboard, r.published
        dimensions, derived = list(d.dimensions), list(d.derived)
        return cls(
            name=r.name,
            title=d.title,
            k=published.k,
            region=r.region,
            start=r.start,
            end=r.end,
            columns=list(published.columns),
            dimensions=dimensions,
            counts=[c for c in published.columns if c not in {*dimensions, *derived}],
            derived=derived,
            rows=published.rows,
            suppressed=[SuppressedCell(row=i, column=c) for i, c in published.suppressed],
        )


@router.get("", response_model=list[DashboardInfo], responses=PROBLEMS)
def list_dashboards(user: AnyUser, runtime: RuntimeDep) -> list[DashboardInfo]:
    """The dashboards the read models publish."""
    return [
        DashboardInfo(
            name=name,
            title=d.title,
            dimensions=list(d.dimensions),
            counts=list(d.counts),
            derived=list(d.derived),
            period=d.period,
        )
        for name, d in dashboards(runtime.projections).items()
    ]


@router.get("/{name}", response_model=DashboardOut, responses={**PROBLEMS, **CSV})
def read_dashboard(
    name: Annotated[str, Path(max_length=100)],
    user: AnyUser,
    runtime: RuntimeDep,
    region: Region = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    format: Literal["json", "csv"] = "json",
) -> DashboardOut | PlainTextResponse:
    """A dashboard for a region and whole months; counts below k are suppressed (null / x)."""
    found = report(
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
            to_csv(found),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return DashboardOut.of(found)
