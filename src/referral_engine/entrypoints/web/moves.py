"""The case page's "Region and assignment" section and the history's words for a transfer or an
assignment: what the reader may do (domain/transfers.py decides), in the page's language, with
regions by name and reasons in the workflow's words (never a code)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from referral_engine.adapters.security import User, Users
from referral_engine.application.engine import Engine
from referral_engine.domain.errors import DomainError, InvalidData
from referral_engine.domain.transfers import (
    ASSIGNERS,
    TRANSFER_EVENTS,
    Assignee,
    transfer_actions,
)
from referral_engine.domain.views import CaseView, HistoryEntry
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText

MOVING_EVENTS = frozenset({*TRANSFER_EVENTS, "CaseAssigned", "CaseUnassigned"})
Failed = tuple[str, DomainError | None, Mapping[str, str]]
"""A refused form of the section: its name (request, accept, refuse, withdraw, assign), the
error (None: a refusal or a withdrawal posted without its confirmation), the values it posted."""
FORMS: dict[str, tuple[str, str]] = {
    # a form the section opens alone (`/cases/{id}?move=NAME`): the action that offers it, and
    # its title's key
    "request": ("request", "move.request_transfer"),
    "accept": ("answer", "move.accept_transfer"),
    "refuse": ("answer", "move.refuse_transfer"),
    "withdraw": ("withdraw", "move.withdraw_transfer"),
}
CONFIRMED = frozenset({"refuse", "withdraw"})
"""The forms that end or undo a transfer: recorded only once their box confirms them."""


@dataclass(frozen=True)
class Moves:
    """What the section shows one reader."""

    region: str
    assigned_to: str | None
    waiting: str | None
    """The waiting transfer in words (None: none waits)."""
    receiving: bool
    """The reader sees the case only to answer its transfer."""
    actions: frozenset[str]
    regions: list[tuple[str, str]]
    reasons: list[tuple[str, str]]
    refusal_reasons: list[tuple[str, str]]
    may_take: bool
    may_give_back: bool
    candidates: list[tuple[str, str]] | None
    """A supervisor's choice of users to assign (None: not an assigner)."""
    failed: str | None = None
    error: str | None = None
    problems: dict[str, str] = field(default_factory=dict)
    """Field -> its problem, for the failed form."""
    values: dict[str, str] = field(default_factory=dict)
    """Field -> what the failed form posted."""
    confirm_error: str | None = None
    """The failed form was posted without its confirmation."""

    def opens(self, name: str | None) -> bool:
        """Whether the reader may open the form `name` (FORMS) alone."""
        return name in FORMS and FORMS[name][0] in self.actions

    @property
    def shown(self) -> bool:
        return bool(
            self.actions or self.waiting or self.receiving or self.may_take
            or self.may_give_back or self.candidates is not None or self.assigned_to
        )  # fmt: skip


def moves(
    view: CaseView,
    workflow: WorkflowDefinition,
    user: User,
    engine: Engine,
    users: Users,
    words: tuple[Translator, WorkflowText],
    failed: Failed | None = None,
) -> Moves:
    """The section for `user` reading `view` (`failed`: the form that was refused, why, and
    what it posted, shown again)."""
    t, text = words
    scope = user.reach
    actions = transfer_actions(workflow, view.region, view.transfer, scope, user.role)
    receiving = not user.covers(view.region)
    spec = workflow.transfers
    working = not receiving and user.role in workflow.roles
    candidates = None
    if user.role in ASSIGNERS and not receiving:
        found = [Assignee(u.name, u.reach) for u in users.working_in(view.region)]
        names = {u.name: u for u in users.working_in(view.region)}
        allowed = engine.assignable(view.id, found, scope=scope)
        candidates = [(n, f"{n} — {text.role(names[n].role)}") for n in allowed]
    error, problems, unconfirmed = None, {}, None
    if failed is not None:
        exc = failed[1]
        if exc is None:
            unconfirmed = t("case.confirm_error", step=t(FORMS[failed[0]][1]))
        elif isinstance(exc, InvalidData):
            problems = {p.path: explain.field_problem(p, t, text) for p in exc.problems}
        else:
            error = explain.error(exc, t, text)
    return Moves(
        region=view.region,
        assigned_to=view.assigned_to,
        waiting=_waiting(view, t, text),
        receiving=receiving,
        actions=actions,
        regions=sorted(
            ((c, text.region(c)) for c in workflow.regions if c != view.region),
            key=lambda r: r[1].casefold(),
        ),
        reasons=[(r, reason_words(text, r)) for r in (spec.reasons if spec else ())],
        refusal_reasons=[
            (r, reason_words(text, r)) for r in (spec.refusal_reasons if spec else ())
        ],
        may_take=working and view.assigned_to is None and user.role not in ASSIGNERS,
        may_give_back=view.assigned_to == user.name,
        candidates=candidates,
        failed=failed[0] if failed else None,
        error=error,
        problems=problems,
        values=dict(failed[2]) if failed else {},
        confirm_error=unconfirmed,
    )


def history_words(
    entry: HistoryEntry, t: Translator, text: WorkflowText
) -> list[tuple[str, Any]] | None:
    """A transfer's or an assignment's details as (label, value: words, or a personal note
    as the reader may see it); None for other events."""
    if entry.event not in MOVING_EVENTS:
        return None
    data: Mapping[str, Any] = entry.data
    if entry.event in ("CaseAssigned", "CaseUnassigned"):
        user = data.get("user")
        return [(t("move.assigned"), str(user) if user else t("move.nobody"))]
    said: list[tuple[str, Any]] = [("", t("move.from_to", source=_region(text, data, "from_region"),
                  target=_region(text, data, "to_region")))]  # fmt: skip
    if isinstance(data.get("reason"), str):
        said.append((t("move.reason"), reason_words(text, data["reason"])))
    note = data.get("transfer_note")
    if note is not None:
        said.append((t("move.note"), note))
    return said


def _waiting(view: CaseView, t: Translator, text: WorkflowText) -> str | None:
    w = view.transfer
    if w is None:
        return None
    day = w.requested_at.date().isoformat()
    return t(
        "move.waiting",
        region=text.region(w.to_region),
        day=day,
        user=w.requested_by,
        reason=reason_words(text, w.reason),
    )


def _region(text: WorkflowText, data: Mapping[str, Any], key: str) -> str:
    return text.region(str(data.get(key, "")))


def reason_words(text: WorkflowText, code: str) -> str:
    """A reason in the workflow's words (English: its code made readable)."""
    said = text.value(code)
    return said.replace("_", " ").capitalize() if said == code else said
