"""The supervisors' page of possible duplicates (docs/persons.md): the open alerts of their
regions with a form to link the two cases to one person or dismiss the alert, and the decided
ones, a link among them with a form to undo it. Dismissing and undoing ask for a confirmation;
a decision someone else made first is told in words (409)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import VersionConflict
from referral_engine.domain.person_links import OPEN, PersonAlertClosed
from referral_engine.entrypoints.http import audit
from referral_engine.entrypoints.http import duplicates as checks
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web import alerts as view
from referral_engine.entrypoints.web.deps import AlertPageUser, PageRoute, Posted
from referral_engine.entrypoints.web.render import page, words_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Key = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")]
Done = Literal["linked", "dismissed", "unlinked"]
ACTIONS = {view.LINK: checks.LINK, view.DISMISS: checks.DISMISS, view.UNLINK: checks.UNLINK}
DONE = {view.LINK: "linked", view.DISMISS: "dismissed", view.UNLINK: "unlinked"}


@router.get("/person-alerts", response_class=HTMLResponse, dependencies=[audited(checks.ALERTS)])
def alerts_page(
    request: Request,
    user: AlertPageUser,
    runtime: RuntimeDep,
    done: Annotated[Done | None, Query()] = None,
) -> HTMLResponse:
    """The possible duplicates of the supervisor's regions: open ones first, then decided."""
    if done is not None:  # just decided here: show the list with that decision folded in
        runtime.projections.caught_up("persons")
    return _page(request, user, runtime, done=done)


def _page(
    request: Request,
    user: User,
    runtime: Runtime,
    *,
    done: str | None = None,
    failed: view.Failed | None = None,
    status: int = 200,
) -> HTMLResponse:
    if status == 409:  # decided elsewhere: show the pair as it now stands
        runtime.projections.caught_up("persons")
    found = checks.duplicates(runtime).alerts(user.reach, open_only=False)
    listed = view.shown(request, runtime, user, found)
    return page(
        request,
        "person_alerts.html",
        status=status,
        open_alerts=[a for a in listed if a.state == OPEN],
        decided=[a for a in listed if a.state != OPEN],
        done=done,
        failed=failed,
        reasons=view.REASONS,
    )


@router.post("/person-alerts/{case_id}/{key}/link", response_model=None,
             dependencies=[audited(checks.LINK)])  # fmt: skip
def link(
    case_id: UUID,
    key: Key,
    request: Request,
    user: AlertPageUser,
    runtime: RuntimeDep,
    form: Posted,
) -> Response:
    """Link the two cases of an open alert to one person, for the reason chosen."""
    return _decide(request, user, runtime, (case_id, key), view.LINK, form)


@router.post("/person-alerts/{case_id}/{key}/dismiss", response_model=None,
             dependencies=[audited(checks.DISMISS)])  # fmt: skip
def dismiss(
    case_id: UUID,
    key: Key,
    request: Request,
    user: AlertPageUser,
    runtime: RuntimeDep,
    form: Posted,
) -> Response:
    """Dismiss an open alert (confirmed): not the same person."""
    return _decide(request, user, runtime, (case_id, key), view.DISMISS, form)


@router.post("/person-alerts/{case_id}/{key}/unlink", response_model=None,
             dependencies=[audited(checks.UNLINK)])  # fmt: skip
def unlink(
    case_id: UUID,
    key: Key,
    request: Request,
    user: AlertPageUser,
    runtime: RuntimeDep,
    form: Posted,
) -> Response:
    """Undo a link of two cases (confirmed)."""
    return _decide(request, user, runtime, (case_id, key), view.UNLINK, form)


def _decide(
    request: Request,
    user: User,
    runtime: Runtime,
    named: tuple[UUID, str],
    action: str,
    form: Posted,
) -> Response:
    given = form.get("reason")
    reason = given if isinstance(given, str) and len(given) <= 40 else ""
    key = named[1]
    pair = view.pair_of(runtime, user, *named)
    problems = view.problems(action, reason, form.get("confirm") == "yes")
    if problems:
        failed = view.Failed(key, action, problems, reason=reason)
        return _page(request, user, runtime, failed=failed, status=422)
    try:
        checks.decided(request, runtime, user, ACTIONS[action], pair, reason)
    except PersonAlertClosed as exc:
        audit.refused(request, exc)
        t = words_of(request)
        said = t("alerts.error.stale", state=t(f"alerts.state.{exc.code}"))
        failed = view.Failed(key, action, error=said, reason=reason)
        return _page(request, user, runtime, failed=failed, status=409)
    except VersionConflict as exc:
        audit.refused(request, exc)
        failed = view.Failed(key, action, error=words_of(request)("alerts.error.changed"))
        return _page(request, user, runtime, failed=failed, status=409)
    return RedirectResponse(f"/person-alerts?done={DONE[action]}", status_code=303)
