"""Analysts' pages: dashboards with charts and CSV downloads, read models with live rebuilds."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from referral_engine.application.dashboards import (
    DashboardNotFound,
    Report,
    dashboards,
    report,
    to_csv,
)
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.text import text_problem
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.rebuilds import start_rebuild
from referral_engine.entrypoints.web import charts, dashboard_view
from referral_engine.entrypoints.web.dashboard_view import (
    Asked,
    Values,
    deadline_titles,
    values_of,
)
from referral_engine.entrypoints.web.deps import (
    NO_NUL,
    OperatorPageUser,
    PageRoute,
    PageUser,
    Posted,
    Refused,
    Text,
)
from referral_engine.entrypoints.web.render import (
    agency_names,
    page,
    query,
    region_names,
    words_of,
    workflow_values,
)
from referral_engine.entrypoints.web.report_view import readable

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Name = Annotated[str, Path(max_length=100, pattern=NO_NUL)]
Month = Annotated[str | None, Query(max_length=10, pattern=NO_NUL)]
PageNumber = Annotated[int, Query(alias="page", ge=1, le=100_000)]


@router.get("/dashboards", response_class=HTMLResponse)
def dashboard_list(request: Request, user: PageUser, runtime: RuntimeDep) -> HTMLResponse:
    """The dashboards the read models publish."""
    return page(request, "dashboards.html", dashboards=dashboards(runtime.projections))


@router.get("/dashboards/{name}", response_class=HTMLResponse)
def dashboard(
    name: Name,
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    region: Text = None,
    start: Month = None,
    end: Month = None,
    measure: Text = None,
    by: Text = None,
    rows_page: PageNumber = 1,
) -> HTMLResponse:
    """A dashboard as charts and a table, chosen by region, months and any other dimension,
    in words; suppressed cells marked, CSV to download."""
    asked = Asked(
        region or None, _month(start, "start"), _month(end, "end"),
        _where(request, runtime, name), measure, by, rows_page,
    )  # fmt: skip
    values = _values(request, runtime)
    shown = dashboard_view.build(
        runtime.projections,
        name,
        asked,
        values,
        k=runtime.settings.suppression_k,
        today=runtime.engine.clock().date(),
    )
    return page(
        request,
        "dashboard.html",
        view=shown,
        report=shown.report,
        month=lambda day: values(None, day),
        chart_csv=lambda kind: f"/dashboards/{name}/charts/{kind}.csv?" + query(shown.params),
    )


@router.get("/dashboards/{name}/csv", response_class=PlainTextResponse)
def dashboard_csv(
    name: Name,
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    region: Text = None,
    start: Month = None,
    end: Month = None,
) -> PlainTextResponse:
    """The dashboard as published, as CSV (suppressed cells read `x`)."""
    found = _report(runtime, name, region, start, end, _where(request, runtime, name))
    return PlainTextResponse(
        to_csv(found),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/dashboards/{name}/charts/{kind}.csv", response_class=PlainTextResponse)
def chart_csv(
    name: Name,
    kind: Annotated[str, Path(pattern="^(bars|lines)$")],
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    measure: Annotated[str, Query(max_length=100, pattern=NO_NUL)],
    region: Text = None,
    start: Month = None,
    end: Month = None,
    by: Text = None,
) -> PlainTextResponse:
    """The cells one chart draws, in its order, as CSV, after the same disclosure control as
    the dashboard."""
    found = _report(runtime, name, region, start, end, _where(request, runtime, name))
    order = _values(request, runtime).order
    text = (
        charts.chart_csv(found, measure, kind, by, order)
        if measure in charts.measures(found)
        else None
    )
    if text is None:
        raise Refused(404, "error.no_chart", name=name, measure=measure)
    filename = f"{name}-{measure}-{kind}.csv"
    return PlainTextResponse(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _report(
    runtime: RuntimeDep,
    name: str,
    region: str | None,
    start: str | None,
    end: str | None,
    where: dict[str, str],
) -> Report:
    return report(
        runtime.projections,
        name,
        k=runtime.settings.suppression_k,
        today=runtime.engine.clock().date(),
        region=region or None,
        start=_month(start, "start"),
        end=_month(end, "end"),
        where=where,
    )


def _where(request: Request, runtime: RuntimeDep, name: str) -> dict[str, str]:
    """The values chosen for the dashboard's dimensions other than the region and the month
    (named by the dimension in the query), each checked as any text from outside."""
    declared = dashboards(runtime.projections).get(name)
    if declared is None:
        raise DashboardNotFound(name)
    where: dict[str, str] = {}
    for dimension in declared.dimensions:
        value = request.query_params.get(dimension)
        if dimension in ("region", declared.period) or not value:
            continue
        if len(value) > 200:
            raise Refused(422, "error.bad_address", where=f"query.{dimension}")
        if (found := text_problem(value)) is not None:
            raise Refused(422, "error.bad_text", field=dimension, **found.params)
        where[dimension] = value
    return where


def _values(request: Request, runtime: RuntimeDep) -> Values:
    """The dashboards' values in words in the request's language."""
    t = words_of(request)
    named = deadline_titles(runtime.engine.workflows, t.lang)
    return values_of(
        t,
        region_names(request, t),
        workflow_values(request, t),
        agency_names(request, t.lang),
        lambda deadline: named.get(deadline) or readable(deadline),
    )


def _month(text: str | None, field: str) -> date | None:
    """A month (YYYY-MM, as the month pickers send it) or a day, as a date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError:
        problem = FieldProblem(field, "must be a month (YYYY-MM)", "not_month")
        raise InvalidData([problem]) from None


@router.get("/projections", response_class=HTMLResponse)
def projections_page(request: Request, user: PageUser, runtime: RuntimeDep) -> HTMLResponse:
    """Each read model's position, lag and rebuild progress (updated live)."""
    started = request.query_params.get("started")
    statuses = runtime.projections.status()
    return page(
        request,
        "projections.html",
        statuses=statuses,
        started=started if started in {s.name for s in statuses} else None,
    )


@router.get("/projections/rows", response_class=HTMLResponse)
def projection_rows(request: Request, user: PageUser, runtime: RuntimeDep) -> HTMLResponse:
    """The status table's rows alone, for the page to refresh in place."""
    return page(request, "_projection_rows.html", statuses=runtime.projections.status())


@router.post("/projections/{name}/rebuild", response_class=RedirectResponse)
def rebuild(
    name: Name, user: OperatorPageUser, runtime: RuntimeDep, form: Posted
) -> RedirectResponse:
    """Start a blue/green rebuild; the page then shows its progress."""
    if name not in runtime.projections.models:
        raise Refused(404, "error.no_read_model", name=name)
    try:
        start_rebuild(runtime.projections, name)
    except HTTPException as exc:  # 409: one is running already
        raise Refused(exc.status_code, "error.rebuild_running", name=name) from None
    return RedirectResponse(f"/projections?started={name}", status_code=303)
