"""A user's notifications: what concerns them (a referral for their agency, an answer to what
they asked, a deadline near or passed), newest first, and marking them read. Each user reads
and marks only their own."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, StrictInt

from referral_engine.adapters.notifications.store import Notification
from referral_engine.application.notifications import Kind
from referral_engine.domain.errors import NotificationNotFound
from referral_engine.entrypoints.api.deps import AnyUser
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/notifications", tags=["notifications"])
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text or not JSON",
        401: "No valid bearer token",
        404: "No such notification of yours",
        422: "Invalid input",
        503: "The database is unavailable",
    }
)
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class NotificationOut(BaseModel):
    """One notification: what happened (`kind`), to which case, and when it was read."""

    id: int
    kind: Kind
    case_id: UUID
    referral_id: str | None
    workflow_id: str
    workflow_version: int
    subject: str | None
    """The deadline's name (deadline kinds, request_answered) or the referral's new state
    (referral_answered), as the workflow names them."""
    due_on: date | None
    created_at: datetime
    read_at: datetime | None
    link: str
    """The case's page."""

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(**vars(n), link=f"/cases/{n.case_id}")


class NotificationsOut(BaseModel):
    unread: int
    """How many of the user's notifications are unread (all of them, not only this page)."""
    items: list[NotificationOut]
    next_before: int | None
    """Pass as `before` for the next page; null on the last one."""


class MarkRead(Body):
    ids: list[Id] | None = Field(
        default=None, max_length=500, description="The notifications to mark read; none: all"
    )
    up_to: Id | None = Field(
        default=None,
        description="Only those up to this id (the newest you listed), so that one arriving "
        "meanwhile stays unread; none: no limit",
    )


class MarkedOut(BaseModel):
    marked: list[int]
    """The notifications marked read now (those read before are left as they were)."""
    unread: int


@router.get(
    "",
    response_model=NotificationsOut,
    responses=PROBLEMS,
    dependencies=[audited("notification.list")],
)
def read_notifications(
    user: AnyUser,
    runtime: RuntimeDep,
    unread: bool = False,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationsOut:
    """The caller's notifications, newest first (only unread ones with `unread=true`)."""
    store = runtime.notifications
    found = store.listed(user.id, unread=unread, before=before, limit=limit + 1)
    page = found[:limit]
    return NotificationsOut(
        unread=store.unread(user.id),
        items=[NotificationOut.of(n) for n in page],
        next_before=page[-1].id if len(found) > limit else None,
    )


@router.post(
    "/read",
    response_model=MarkedOut,
    responses=PROBLEMS,
    dependencies=[audited("notification.read")],
)
def mark_read(request: Request, body: MarkRead, user: AnyUser, runtime: RuntimeDep) -> MarkedOut:
    """Mark the caller's notifications read: the ones listed, or all of them."""
    store = runtime.notifications
    for notification_id in body.ids or ():
        if not store.owns(user.id, notification_id):
            raise NotificationNotFound(notification_id)
    marked = store.mark_read(user.id, body.ids, up_to=body.up_to)
    mark_of(request).detail = {"notifications": marked}
    return MarkedOut(marked=marked, unread=store.unread(user.id))
