"""A user's notifications page: what concerns them, in words, newest first, each linking to its
case; marking one or all read. The header counts the unread ones on every page (render.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from referral_engine.adapters.notifications.store import Notification
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import NotificationNotFound, WorkflowNotFound
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.deps import PageRoute, PageUser, Posted
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.render import page, words_of
from referral_engine.entrypoints.web.workflow_text import WorkflowText, text_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 30
ID = re.compile(r"[1-9][0-9]{0,17}")
"""A notification's id in a form: ASCII digits only (`int` also reads `١٢`, and `²` not at all)."""
Before = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


@dataclass(frozen=True)
class Shown:
    """A notification as the page shows it: a sentence, its case, whether it is read."""

    id: int
    text: str
    case_id: str
    reference: str
    created: str
    read: bool


@router.get(
    "/notifications", response_class=HTMLResponse, dependencies=[audited("notification.list")]
)
def notifications(
    request: Request,
    user: PageUser,
    runtime: RuntimeDep,
    show: Literal["all", "unread"] = "all",
    before: Before = None,
    done: Literal["", "marked"] = "",
) -> HTMLResponse:
    """The user's notifications in words, newest first (only unread ones if asked)."""
    store = runtime.notifications
    found = store.listed(user.id, unread=show == "unread", before=before, limit=PAGE_SIZE + 1)
    said = _sayer(runtime, words_of(request))
    return page(
        request,
        "notifications.html",
        items=[said(n) for n in found[:PAGE_SIZE]],
        show=show,
        older=found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None,
        first=before is None,
        done=done,
        upto=store.newest_unread(user.id),
    )


@router.post(
    "/notifications/read", response_class=HTMLResponse, dependencies=[audited("notification.read")]
)
def mark_read(
    request: Request, user: PageUser, runtime: RuntimeDep, form: Posted
) -> RedirectResponse:
    """Mark one notification read (`id`), or every one up to the newest the page showed
    (`upto`: one arriving meanwhile stays unread); then back to the list."""
    store = runtime.notifications
    notification_id, upto = _id(form.get("id")), _id(form.get("upto"))
    ids = None
    if notification_id is not None:
        if not store.owns(user.id, notification_id):
            raise NotificationNotFound(notification_id)
        ids = [notification_id]
    marked = store.mark_read(user.id, ids, up_to=upto)
    mark_of(request).detail = {"notifications": marked}
    show = "unread" if form.get("show") == "unread" else "all"
    return RedirectResponse(f"/notifications?show={show}&done=marked", status_code=303)


def _id(given: object) -> int | None:
    """A notification's id as a form gives it (None: not given); any other text names none."""
    if given is None or given == "":
        return None
    if isinstance(given, str) and ID.fullmatch(given):
        return int(given)
    raise NotificationNotFound(0)


def _sayer(runtime: Runtime, t: Translator) -> Callable[[Notification], Shown]:
    """A notification in a sentence, in the page's language, with the workflow's words."""
    texts: dict[tuple[str, int], WorkflowText | None] = {}

    def words(n: Notification) -> WorkflowText | None:
        key = (n.workflow_id, n.workflow_version)
        if key not in texts:
            try:
                texts[key] = text_of(runtime.engine.workflows.get(*key), t.lang)
            except WorkflowNotFound:
                texts[key] = None
        return texts[key]

    def said(n: Notification) -> Shown:
        text = words(n)
        what = ""
        if n.subject and text is not None:
            referral = n.kind == "referral_answered"
            what = text.referral_state(n.subject) if referral else text.deadline(n.subject)
        sentence = t(f"nt.kind.{n.kind}", what=what, due=n.due_on.isoformat() if n.due_on else "")
        return Shown(
            id=n.id,
            text=sentence.rstrip(": ") if not what else sentence,
            case_id=str(n.case_id),
            reference=str(n.case_id)[:8],
            created=n.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            read=n.read_at is not None,
        )

    return said
