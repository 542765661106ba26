"""Official statistics: reports with totals (JSON, CSV, XLSX), exact for statisticians on official
reports (every such read audited), published with a digest, reproduced, revised."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from referral_engine.application.publications import Publication, Revisions
from referral_engine.application.report_formats import to_csv, to_xlsx
from referral_engine.application.statistics import Figures, reports
from referral_engine.entrypoints.api.deps import AnyUser, Publisher
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.statistics import exact_for, read
from referral_engine.entrypoints.http.statistics import publish as publish_report
from referral_engine.entrypoints.http.text import Name

router = APIRouter(tags=["reports"])
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text",
        401: "No valid bearer token",
        403: "Only statisticians may publish",
        404: "No such report or publication",
        409: "Published figures could not be reproduced",
        422: "Invalid parameters",
        503: "The read model is being built or the database is unavailable",
    }
)
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ReportName = Annotated[str, Path(max_length=100, pattern=r"^[a-z_][a-z0-9_]*$")]
By = Annotated[str | None, Query(max_length=200, pattern=r"^[a-z_,]*$")]
Region = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]


class MeasureInfo(BaseModel):
    name: str
    title: dict[str, str]
    basis: str
    """What one counted fact is: cases, applications, decisions, referrals, services, mentions."""
    value: str
    """`count`, `median_days` or `percent` (a share of the counted facts)."""
    stock: bool
    """Counted at the end of the period rather than over it."""
    dimensions: list[str]


class ReportInfo(BaseModel):
    name: str
    title: dict[str, str]
    official: bool
    dimensions: list[str]
    measures: list[MeasureInfo]


class FigureOut(BaseModel):
    row: str
    """The first dimension's value, or `total`."""
    column: str
    """The second dimension's value, or `total`."""
    value: int | float | None
    suppressed: bool


class TableOut(BaseModel):
    measure: str
    title: dict[str, str]
    basis: str
    value: str
    rows: list[str]
    columns: list[str]
    figures: list[FigureOut]


class FiguresOut(BaseModel):
    report: str
    title: dict[str, str]
    start: date
    end: date
    by: list[str]
    region: str | None
    as_of: datetime | None
    position: int
    """The read model's log position the figures were read at."""
    exact: bool
    k: int | None
    digest: str
    tables: list[TableOut]

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        r = f.request
        return cls(
            report=r.name,
            title=dict(f.spec.title),
            start=r.start,
            end=r.end,
            by=list(r.by),
            region=r.region,
            as_of=r.as_of,
            position=f.position,
            exact=r.exact,
            k=f.k,
            digest=f.digest,
            tables=[
                TableOut(
                    measure=t.measure.name,
                    title=dict(t.measure.title),
                    basis=t.measure.basis,
                    value=t.measure.value,
                    rows=list(t.rows),
                    columns=list(t.columns),
                    figures=[
                        FigureOut(
                            row=row, column=col, value=v, suppressed=(row, col) in t.suppressed
                        )
                        for (row, col), v in sorted(t.cells.items())
                    ],
                )
                for t in f.tables
            ],
        )


class PublishIn(Body):
    start: date
    end: date
    by: list[Name] = Field(default_factory=list)
    region: Name | None = None
    as_of: datetime | None = None


class PublicationOut(BaseModel):
    id: UUID
    report: str
    start: date
    end: date
    by: list[str]
    region: str | None
    as_of: datetime
    position: int
    digest: str
    published_by: str
    published_at: datetime

    @classmethod
    def of(cls, p: Publication) -> PublicationOut:
        return cls(
            id=p.id,
            report=p.report,
            start=p.start,
            end=p.end,
            by=list(p.by),
            region=p.region,
            as_of=p.as_of,
            position=p.upto,
            digest=p.digest,
            published_by=p.published_by,
            published_at=p.published_at,
        )


class ChangeOut(BaseModel):
    measure: str
    row: str
    column: str
    published: int | float | None
    now: int | float | None


class RecordedLater(BaseModel):
    position: int
    kind: str
    item: str
    occurred_on: date | None
    recorded_at: datetime
    region: str | None


class RevisionsOut(BaseModel):
    publication: PublicationOut
    current_digest: str
    changes: list[ChangeOut]
    """Every figure that differs now from the published one."""
    recorded_later: list[RecordedLater]
    """What was recorded after publication in its period (and region): what changed them."""

    @classmethod
    def of(cls, r: Revisions) -> RevisionsOut:
        return cls(
            publication=PublicationOut.of(r.publication),
            current_digest=r.current.digest,
            changes=[ChangeOut(**vars(c)) for c in r.changes],
            recorded_later=[RecordedLater(**e) for e in r.events],
        )


@router.get("/api/reports", response_model=list[ReportInfo], responses=PROBLEMS)
def list_reports(user: AnyUser, runtime: RuntimeDep) -> list[ReportInfo]:
    """The reports the read models declare, their measures and dimensions."""
    official = set(runtime.settings.official_reports)
    return [
        ReportInfo(
            name=name,
            title=dict(spec.title),
            official=name in official,
            dimensions=list(spec.dimensions),
            measures=[
                MeasureInfo(
                    name=m.name,
                    title=dict(m.title),
                    basis=m.basis,
                    value=m.value,
                    stock=m.stock,
                    dimensions=list(m.dimensions),
                )
                for m in spec.measures
            ],
        )
        for name, spec in reports(runtime.statistics.tallies).items()
    ]


@router.get("/api/reports/{name}", response_model=FiguresOut, responses={**PROBLEMS, **FILES})
def read_report(
    name: ReportName,
    user: AnyUser,
    runtime: RuntimeDep,
    request: Request,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    by: By = None,
    region: Region = None,
    as_of: datetime | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> FiguresOut | Response:
    """A report's tables with row, column and grand totals. Statisticians read the exact
    figures of official reports (audited); everyone else reads them with counts below k
    suppressed (null / x), one calendar year at a time."""
    found = read(request, runtime, user.role, name, (from_, to, by, region, as_of), format)
    if format == "csv":
        return PlainTextResponse(
            to_csv(found),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            to_xlsx(found),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return FiguresOut.of(found)


@router.post(
    "/api/reports/{name}/publications",
    response_model=PublicationOut,
    status_code=201,
    responses=PROBLEMS,
)
def publish(
    name: ReportName, body: PublishIn, user: Publisher, runtime: RuntimeDep, request: Request
) -> PublicationOut:
    """Publish a report's exact figures as the log stands now (or as of an earlier moment):
    its parameters, that moment and a digest of its figures are kept for good."""
    if not exact_for(user.role, name, runtime.settings):
        raise HTTPException(403, f"'{name}' is not an official report: only those are published")
    params = (body.start, body.end, ",".join(body.by), body.region, body.as_of)
    return PublicationOut.of(publish_report(request, runtime, user.name, name, params))


@router.get(
    "/api/reports/{name}/publications", response_model=list[PublicationOut], responses=PROBLEMS
)
def list_publications(name: ReportName, user: AnyUser, runtime: RuntimeDep) -> list[PublicationOut]:
    """A report's publications, newest first."""
    return [PublicationOut.of(p) for p in runtime.statistics.store.listed(name)]


@router.get("/api/publications/{id}", response_model=FiguresOut, responses={**PROBLEMS, **FILES})
def read_publication(
    id: UUID,
    user: AnyUser,
    runtime: RuntimeDep,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> FiguresOut | Response:
    """A publication's figures read again as of its moment: the same to the digit (its digest
    is checked; 409 if they differ)."""
    found = runtime.statistics.reproduce(id)
    if format == "csv":
        return PlainTextResponse(to_csv(found), media_type="text/csv")
    if format == "xlsx":
        return Response(to_xlsx(found), media_type=XLSX)
    return FiguresOut.of(found)


@router.get("/api/publications/{id}/revisions", response_model=RevisionsOut, responses=PROBLEMS)
def revisions(id: UUID, user: Publisher, runtime: RuntimeDep) -> RevisionsOut:
    """Which published figures read differently now, and what was recorded since in the
    publication's period that changed them, event by event: for statisticians, who read the
    exact figures (403 for others)."""
    return RevisionsOut.of(runtime.statistics.revisions(id))
