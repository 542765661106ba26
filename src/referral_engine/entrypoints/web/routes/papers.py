"""A case's papers: each as a page to print (its stylesheet hiding all but the paper) and as a
PDF; both within need-to-know, refused with a clear page when the paper is not printable, and
audited with the paper, the format and the personal fields printed."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from referral_engine.adapters.security import User
from referral_engine.application.papers import Listed, Paper, Papers
from referral_engine.bootstrap import Runtime
from referral_engine.domain.papers import PaperNotAvailable, PaperNotPermitted
from referral_engine.entrypoints.http.audit import audited, disclosure, mark_of, refused
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import explain, printing
from referral_engine.entrypoints.web.deps import CasePageUser, PageRoute
from referral_engine.entrypoints.web.render import error_page, language, page, words_of
from referral_engine.entrypoints.web.workflow_text import text_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PaperId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]*$", max_length=60)]
ACTION = "case.paper"


class NotPrinted(Exception):
    """A paper refused to its reader, with the page saying why in their words."""

    def __init__(self, response: HTMLResponse) -> None:
        self.response = response


def listed(runtime: Runtime, user: User, case_id: UUID) -> list[Listed]:
    """The case page's "Print" section: the papers its reader may print, printable now or not."""
    return Papers(runtime.engine).listed(case_id, role=user.role, scope=user.reach)


@router.get("/cases/{case_id}/papers/{paper}.pdf", dependencies=[audited(ACTION)])
def paper_pdf(
    case_id: UUID, paper: PaperId, request: Request, user: CasePageUser, runtime: RuntimeDep
) -> Response:
    """A paper of the case as a PDF (its fonts embedded)."""
    try:
        found, markup = _printing(request, user, runtime, case_id, paper, "pdf")
    except NotPrinted as exc:
        return exc.response
    document = printing.document(found, markup, language(request))
    headers = {"Content-Disposition": f'inline; filename="{found.spec.id}.pdf"'}
    return Response(printing.pdf(document), media_type="application/pdf", headers=headers)


@router.get(
    "/cases/{case_id}/papers/{paper}", response_class=HTMLResponse, dependencies=[audited(ACTION)]
)
def paper_page(
    case_id: UUID, paper: PaperId, request: Request, user: CasePageUser, runtime: RuntimeDep
) -> HTMLResponse:
    """A paper of the case as a page to print: only the paper reaches the printer."""
    try:
        found, markup = _printing(request, user, runtime, case_id, paper, "html")
    except NotPrinted as exc:
        return exc.response
    lang = language(request)
    paper_lang = found.spec.language(lang)
    return page(
        request,
        "paper.html",
        title=found.spec.title(lang),
        case_id=case_id,
        paper_id=found.spec.id,
        paper_lang=paper_lang,
        language=printing.language_name(paper_lang, lang),
        body=markup,
    )


def _printing(
    request: Request, user: User, runtime: Runtime, case_id: UUID, paper_id: str, form: str
) -> tuple[Paper, Markup]:
    """The paper for this reader and its HTML, its printing noted on the request's audit mark
    (the paper, the format, the personal fields printed); a refusal as a page in the reader's
    words (a case out of reach: the pages' not-found page)."""
    mark = mark_of(request)
    mark.detail = {"paper": paper_id, "format": form}
    try:
        found = Papers(runtime.engine).paper(case_id, paper_id, role=user.role, scope=user.reach)
    except (PaperNotAvailable, PaperNotPermitted) as exc:
        refused(request, exc)
        workflow = runtime.engine.workflow_of(case_id, scope=user.reach)
        said = explain.error(exc, words_of(request), text_of(workflow, language(request)))
        raise NotPrinted(error_page(request, status_of(exc), said)) from None
    mark.place(found.case.region)
    printed = {f: found.case.data[f] for f in found.spec.fields if f in found.case.data}
    shown = disclosure(request, user, found.workflow).data(printed)
    return found, printing.body(found, shown, language(request))
