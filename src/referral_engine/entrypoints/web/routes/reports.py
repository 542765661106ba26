"""Official statistics as pages: the reports, a report's tables and charts with CSV/XLSX
downloads (exact for statisticians on official reports, every such read audited), publishing,
and a publication reproduced with its revisions."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from referral_engine.adapters.security import User
from referral_engine.application.report_formats import to_csv, to_xlsx
from referral_engine.application.statistics import Figures, reports
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.statistics import exact_for, read
from referral_engine.entrypoints.http.statistics import publish as publish_report
from referral_engine.entrypoints.web import report_view
from referral_engine.entrypoints.web.deps import (
    NO_NUL,
    PageRoute,
    PageUser,
    Posted,
    Refused,
    passing,
)
from referral_engine.entrypoints.web.render import (
    page,
    query,
    region_names,
    words_of,
    workflow_values,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReportName = Annotated[str, Path(max_length=100, pattern=r"^[a-z_][a-z0-9_]*$")]
Param = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
From = Annotated[str | None, Query(alias="from", max_length=200, pattern=NO_NUL)]
By = Annotated[list[str] | None, Query()]
PublisherPageUser = Annotated[User, Depends(passing(gates.PUBLISHERS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIMENSIONS = re.compile(r"^[a-z_,]{0,200}$")


@router.get("/reports", response_class=HTMLResponse)
def report_list(request: Request, user: PageUser, runtime: RuntimeDep) -> HTMLResponse:
    """The reports the read models declare, titled in the page's language."""
    official = set(runtime.settings.official_reports)
    found = reports(runtime.statistics.tallies)
    return page(request, "reports.html", reports=found, official=official)


@router.get("/reports/{name}.{kind}", response_class=Response)
def report_file(
    name: ReportName,
    kind: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    from_: From = None,
    to: Param = None,
    by: By = None,
    region: Param = None,
    as_of: Param = None,
) -> Response:
    """The report's figures as shown on its page, as CSV or XLSX."""
    found = _figures(request, runtime, user.role, name, (from_, to, by, region, as_of), kind)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}
    if kind == "csv":
        return PlainTextResponse(to_csv(found), media_type="text/csv", headers=disposition)
    return Response(to_xlsx(found, words_of(request).lang), media_type=XLSX, headers=disposition)


@router.get("/reports/{name}", response_class=HTMLResponse)
def report_page(
    name: ReportName,
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    from_: From = None,
    to: Param = None,
    by: By = None,
    region: Param = None,
    as_of: Param = None,
) -> HTMLResponse:
    """A report's tables with every total and a chart of each table's row totals."""
    found = _figures(request, runtime, user.role, name, (from_, to, by, region, as_of), "html")
    r = found.request
    params = {
        "from": r.start.isoformat(),
        "to": r.end.isoformat(),
        "by": ",".join(r.by),
        "region": r.region or "",
        "as_of": r.as_of.strftime("%Y-%m-%dT%H:%M:%S") if r.as_of else "",
    }
    words = _words(request)
    publisher = gates.PUBLISHERS.admits(user.role)
    return page(
        request,
        "report.html",
        figures=found,
        title=found.spec.title.get(words.t.lang) or found.spec.title["en"],
        params=params,
        chosen=(*r.by, "", "")[:2],
        dimensions=[(d, words.dimension(d)) for d in found.spec.dimensions],
        regions=_regions(runtime, words),
        tables=report_view.tables(found, words),
        files=query(params),
        publisher=publisher,
        publications=runtime.statistics.store.listed(name) if publisher else [],
    )


@router.post("/reports/{name}/publications", response_class=RedirectResponse)
def publish(
    name: ReportName,
    request: Request,
    user: PublisherPageUser,
    runtime: RuntimeDep,
    form: Posted,
) -> RedirectResponse:
    """Publish the exact figures the form names, as the records stand now."""
    if not exact_for(user.role, name, runtime.settings):
        raise Refused(403, "error.not_official", name=name)
    values = [form.get(f) for f in ("from", "to", "by", "region", "as_of")]
    start, end, by, region, as_of = (v if isinstance(v, str) else None for v in values)
    params = _parsed_params((start, end, [by or ""], region, as_of))
    publication = publish_report(request, runtime, user.name, name, params)
    return RedirectResponse(f"/publications/{publication.id}", status_code=303)


@router.get("/publications/{id}", response_class=HTMLResponse)
def publication_page(
    id: UUID, request: Request, user: PageUser, runtime: RuntimeDep
) -> HTMLResponse:
    """A publication's figures read again as they were published, and (for statisticians, who
    read exact figures) what changed since, event by event."""
    reproduced = runtime.statistics.reproduce(id)
    publisher = gates.PUBLISHERS.admits(user.role)
    revised = runtime.statistics.revisions(id) if publisher else None
    words = _words(request)
    titles = {
        t.measure.name: t.measure.title.get(words.t.lang) or t.measure.title["en"]
        for t in reproduced.tables
    }
    p = runtime.statistics.publication(id)
    return page(
        request,
        "publication.html",
        publication=p,
        title=reproduced.spec.title.get(words.t.lang) or reproduced.spec.title["en"],
        tables=report_view.tables(reproduced, words),
        revised=revised is not None,
        changes=report_view.changes(revised.changes, p.by, titles, words) if revised else [],
        later=report_view.recorded_later(revised.events, words) if revised else [],
        back=f"/reports/{p.report}?"
        + query(
            {
                "from": p.start.isoformat(),
                "to": p.end.isoformat(),
                "by": ",".join(p.by),
                "region": p.region,
            }
        ),
    )


Params = tuple[str | None, str | None, list[str] | None, str | None, str | None]


def _figures(
    request: Request, runtime: Runtime, role: str, name: str, params: Params, kind: str
) -> Figures:
    """The figures a page or a file shows: exact (and audited) for a statistician reading an
    official report, protected for everyone else."""
    return read(request, runtime, role, name, _parsed_params(params), kind)


def _parsed_params(
    params: Params,
) -> tuple[date | None, date | None, str, str | None, datetime | None]:
    """The form's text fields as a report's parameters (from, to, by, region, as_of)."""
    start, end, by, region, as_of = params
    dims = ",".join(b for b in by or () if b)
    if not DIMENSIONS.match(dims):
        problem = FieldProblem("by", "must name dimensions of the report", "unknown_dimension")
        raise InvalidData([problem])
    return (
        _parsed(start, "from", date.fromisoformat),
        _parsed(end, "to", date.fromisoformat),
        dims,
        region or None,
        _parsed(as_of, "as_of", datetime.fromisoformat),
    )


def _parsed(text: str | None, field: str, parse: Any) -> Any:
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        shape = "a date (YYYY-MM-DD)" if field != "as_of" else "a date and time"
        raise InvalidData([FieldProblem(field, f"must be {shape}", "not_date")]) from None


def _words(request: Request) -> report_view.Words:
    t = words_of(request)
    return report_view.Words(t, region_names(request, t), workflow_values(request, t))


def _regions(runtime: Runtime, words: report_view.Words) -> list[tuple[str, str]]:
    codes = {code for w in runtime.engine.workflows for code in w.regions}
    return sorted(
        ((c, words.region(c)) for c in codes), key=lambda item: report_view.alphabetical(item[1])
    )
