"""An agency's inbox: the referrals sent to it and the cases a step sent to it (a police unit's
verification requests), that the reader's role can answer now, from the `inbox` read model.
Served as a page and through the API alike; it holds no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

from referral_engine.application.ports import ReadModels
from referral_engine.domain.access import Scope
from referral_engine.domain.errors import WorkflowNotFound
from referral_engine.domain.rules import answers_case, answers_referral, answers_referral_in
from referral_engine.workflows.loader import WorkflowRegistry

LIMIT = 500
"""Rows read of each kind: an inbox longer than this says it shows only the first ones."""
REFERENCE = 8
"""How many characters of a case's id make its short reference (as the pages show it)."""

Kind = Literal["referral", "request"]


def case_reference(case_id: UUID) -> str:
    """The short reference of a case the pages show: the first characters of its id."""
    return str(case_id)[:REFERENCE]


@dataclass(frozen=True)
class InboxItem:
    """One thing waiting for the agency: a referral (its service) or a case a step sent to it
    (that step and the deadline it started), due on `due_on`."""

    kind: Kind
    case_id: UUID
    referral_id: str | None
    region: str
    workflow_id: str
    workflow_version: int
    state: str
    """The referral's state, or the case's for a request."""
    service: str | None
    step: str | None
    """The step that sent the case (a request), e.g. `request_verification`."""
    deadline: str | None
    sent_on: date
    due_on: date | None
    answered_on: date | None
    """When the referral was accepted (the first step after its sending)."""
    overdue: bool
    days_left: int | None

    @property
    def reference(self) -> str:
        return case_reference(self.case_id)


@dataclass(frozen=True)
class Inbox:
    """What awaits the agency's answer (overdue first, then by due date), and the referrals it
    accepted whose assistance is not completed yet (the longest accepted first)."""

    agency: str
    waiting: list[InboxItem]
    in_progress: list[InboxItem]
    truncated: bool
    """A kind of row reached the limit: there may be more than shown."""


def inbox(
    projections: ReadModels, workflows: WorkflowRegistry, reader: Scope, today: date
) -> Inbox:
    """The inbox of the reader's agency in their regions: what their role can answer now."""
    role = reader.role or ""
    params = {
        "agency": reader.agency,
        "regions": None if reader.regions is None else sorted(reader.regions),
        **answerable_keys(workflows, role),
        "limit": LIMIT,
    }
    referrals = projections.query("inbox", "referrals", params)
    requests = projections.query("inbox", "requests", params)

    def answerable(row: dict[str, Any]) -> bool:
        try:
            workflow = workflows.get(row["workflow_id"], row["workflow_version"])
        except WorkflowNotFound:
            return False  # a version no longer loaded: nothing can be taken on it here
        if "referral_id" in row:
            return answers_referral(workflow, row["case_state"], row["state"], role)
        return answers_case(workflow, row["case_state"], role)

    items = [_referral(r, today) for r in referrals if answerable(r)]
    items += [_request(r, today) for r in requests if answerable(r)]
    waiting = sorted((i for i in items if i.answered_on is None), key=_urgency)
    accepted = sorted((i for i in items if i.answered_on is not None), key=_age)
    return Inbox(reader.agency, waiting, accepted, LIMIT in (len(referrals), len(requests)))


def answerable_keys(workflows: WorkflowRegistry, role: str) -> dict[str, list[str]]:
    """What the read model's queries keep, as `workflow|version|state` keys of every loaded
    workflow version: the case states in which referrals move (`moving`), the referral states
    `role` answers from (`answered`) and the case states `role` has a step from (`requested`).
    The queries filter on them before their limit: what nobody can answer takes no place."""
    keys: dict[str, list[str]] = {"moving": [], "answered": [], "requested": []}
    for w in workflows:
        for state in w.states:
            if w.referrals is not None and w.referrals.active(state):
                keys["moving"].append(f"{w.id}|{w.version}|{state}")
            if answers_case(w, state, role):
                keys["requested"].append(f"{w.id}|{w.version}|{state}")
        for state in w.referrals.states if w.referrals is not None else ():
            if answers_referral_in(w, state, role):
                keys["answered"].append(f"{w.id}|{w.version}|{state}")
    return keys


def _referral(row: dict[str, Any], today: date) -> InboxItem:
    return _item(row, today, "referral", state=row["state"], service=row["service"])


def _request(row: dict[str, Any], today: date) -> InboxItem:
    specific = {"step": row["trigger"], "deadline": row["deadline"]}
    return _item(row, today, "request", state=row["case_state"], **specific)


def _item(row: dict[str, Any], today: date, kind: Kind, **specific: Any) -> InboxItem:
    due: date | None = row["due_on"]
    waiting = row.get("answered_on") is None
    return InboxItem(
        kind=kind,
        case_id=row["case_id"],
        referral_id=row.get("referral_id"),
        region=row["region"],
        workflow_id=row["workflow_id"],
        workflow_version=row["workflow_version"],
        sent_on=row["sent_on"],
        due_on=due,
        answered_on=row.get("answered_on"),
        overdue=waiting and due is not None and due < today,
        days_left=(due - today).days if waiting and due is not None else None,
        **{"service": None, "step": None, "deadline": None, **specific},
    )


def _urgency(item: InboxItem) -> tuple[bool, date, date, str, str]:
    """Overdue first, then the soonest due (undated last), the longest waiting, by case."""
    due = item.due_on or date.max
    return (not item.overdue, due, item.sent_on, str(item.case_id), item.referral_id or "")


def _age(item: InboxItem) -> tuple[date, date, str, str]:
    accepted = item.answered_on or date.max
    return (accepted, item.sent_on, str(item.case_id), item.referral_id or "")
