"""The agency registry's pages: the list with its filters and one agency with its agreements and
history (as of any version). Every signed-in user reads them; admins get the forms, which call
the same registry as the API and are audited the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from referral_engine.bootstrap import Runtime
from referral_engine.domain.agencies import KINDS
from referral_engine.domain.errors import DomainError
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.deps import AgencyPageUser, PageRoute, PageUser, Posted, Text
from referral_engine.entrypoints.web.render import page, region_names, words_of
from referral_engine.entrypoints.web.report_view import alphabetical, readable

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FILTERS = ("kind", "service", "region")
PageVersion = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/agencies", response_class=HTMLResponse)
def agencies(
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    kind: Text = None,
    service: Text = None,
    region: Text = None,
) -> HTMLResponse:
    """Registered agencies, filtered by kind, service and region; admins may register one."""
    filters = dict(zip(FILTERS, (kind or "", service or "", region or ""), strict=True))
    return _list(request, runtime, filters, {})


@router.post("/agencies", response_class=HTMLResponse, dependencies=[audited("agency.register")])
def register(request: Request, user: AgencyPageUser, runtime: RuntimeDep, form: Posted) -> Response:
    """Register an agency, then show it (or the form again with what was wrong)."""
    chosen = _chosen(form)
    slug = _one(form, "id")
    mark_of(request).detail = {"agency": slug}
    try:
        runtime.agencies.register(
            slug,
            _names(form),
            chosen["kind"] or None,
            _codes(form, "services"),
            form.getlist("regions"),
            actor=user.actor,
        )
    except DomainError as exc:
        return _list(request, runtime, dict.fromkeys(FILTERS, ""), chosen, exc)
    return RedirectResponse(f"/agencies/{slug}?done=registered", status_code=303)


@router.get("/agencies/{agency}", response_class=HTMLResponse)
def agency_page(
    agency: str,
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    version: PageVersion = None,
    done: Text = None,
) -> HTMLResponse:
    """One agency (as of `version`), its agreements and its history."""
    return _detail(request, runtime, agency, version, done=done)


@router.post(
    "/agencies/{agency}", response_class=HTMLResponse, dependencies=[audited("agency.change")]
)
def change(
    agency: str, request: Request, user: AgencyPageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Save the agency's details as the form gives them."""
    mark_of(request).detail = {"agency": agency}
    return _acting(
        request,
        runtime,
        agency,
        lambda: runtime.agencies.change(
            agency,
            actor=user.actor,
            names=_names(form),
            kind=_one(form, "kind") or None,
            services=_codes(form, "services"),
            regions=form.getlist("regions"),
        ),
    )


@router.post(
    "/agencies/{agency}/agreements",
    response_class=HTMLResponse,
    dependencies=[audited("agency.agreement.record")],
)
def record_agreement(
    agency: str, request: Request, user: AgencyPageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Record an agreement with another registered agency."""
    data: dict[str, object] = {
        k: _one(form, k) for k in ("id", "with_agency", "signed_on", "valid_until")
    }
    data |= {"services": _codes(form, "services"), "reference": _one(form, "reference")}
    mark_of(request).detail = {"agency": agency, "agreement": data["id"]}
    return _acting(
        request,
        runtime,
        agency,
        lambda: runtime.agencies.record_agreement(agency, data, actor=user.actor),
    )


@router.post(
    "/agencies/{agency}/agreements/{agreement_id}/end",
    response_class=HTMLResponse,
    dependencies=[audited("agency.agreement.end")],
)
def end_agreement(
    agency: str,
    agreement_id: str,
    request: Request,
    user: AgencyPageUser,
    runtime: RuntimeDep,
    form: Posted,
) -> Response:
    """End an agreement in force."""
    mark_of(request).detail = {"agency": agency, "agreement": agreement_id}
    return _acting(
        request,
        runtime,
        agency,
        lambda: runtime.agencies.end_agreement(
            agency, agreement_id, _one(form, "ended_on"), _one(form, "reason"), actor=user.actor
        ),
    )


def _acting(
    request: Request, runtime: Runtime, agency: str, command: Callable[[], object]
) -> Response:
    """Run a form's command; then the agency page (a reload does not post again), or the page
    with what was wrong."""
    try:
        command()
    except DomainError as exc:
        return _detail(request, runtime, agency, None, error=exc)
    return RedirectResponse(f"/agencies/{agency}?done=saved", status_code=303)


def _list(
    request: Request,
    runtime: Runtime,
    filters: dict[str, str],
    chosen: dict[str, Any],
    error: DomainError | None = None,
) -> HTMLResponse:
    wanted = {k: v or None for k, v in filters.items()}
    found = runtime.agencies.listed(**wanted)
    return page(
        request,
        "agencies.html",
        status=status_of(error) if error else 200,
        agencies=found,
        filters=filters,
        chosen=chosen
        or dict.fromkeys(("id", "name_en", "name_uk", "kind", "services"), "") | {"regions": []},
        error=explain.error(error, words_of(request)) if error else None,
        **_words(request, runtime),
    )


def _detail(
    request: Request,
    runtime: Runtime,
    slug: str,
    version: int | None,
    *,
    done: str | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    agency = runtime.agencies.get(slug, version)
    latest = runtime.agencies.get(slug) if version is not None else agency
    listed = runtime.agencies.listed()
    return page(
        request,
        "agency.html",
        status=status_of(error) if error else 200,
        agency=agency,
        latest=latest,
        as_of=version is not None and agency.version != latest.version,
        entries=runtime.agencies.history(slug),
        others=[a for a in listed if a.slug != slug],
        names={a.slug: a.name(words_of(request).lang) for a in listed},
        done=done if done in ("registered", "saved") else None,
        error=explain.error(error, words_of(request)) if error else None,
        **_words(request, runtime),
    )


def _words(request: Request, runtime: Runtime) -> dict[str, Any]:
    """What the templates word: kinds, services, the regions to choose from."""
    t = words_of(request)
    named = region_names(request, t)
    codes = {code for w in runtime.engine.workflows for code in w.regions}
    regions = sorted(((c, named(c)) for c in codes), key=lambda r: alphabetical(r[1]))
    services: dict[str, str] = {}
    for workflow in runtime.engine.workflows:
        words = workflow.labels.get(t.lang, {})
        services |= {k[6:]: v for k, v in words.items() if k.startswith("value.")}

    def service(code: str) -> str:
        return services.get(code) or readable(code)

    return {
        "kinds": [(k, t(f"ag.kind.{k}")) for k in KINDS],
        "kind_word": lambda k: t(f"ag.kind.{k}"),
        "service_word": service,
        "region_choices": regions,
    }


def _one(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _codes(form: FormData, name: str) -> list[str]:
    return [c.strip() for c in _one(form, name).split(",") if c.strip()]


def _names(form: FormData) -> dict[str, str]:
    return {lang: name for lang in ("en", "uk") if (name := _one(form, f"name_{lang}"))}


def _chosen(form: FormData) -> dict[str, Any]:
    """The register form's values, to show it again after a refusal."""
    said = {k: _one(form, k) for k in ("id", "name_en", "name_uk", "kind", "services")}
    return said | {"regions": form.getlist("regions")}
