"""The queue's need-to-know filter, shared by the API's case list and the queue page; the user
an assignment names, as the engine judges them."""

from __future__ import annotations

from referral_engine.adapters.security import Users
from referral_engine.domain.access import Scope, answering_workflows, queue_filter
from referral_engine.domain.transfers import Assignee
from referral_engine.workflows.loader import WorkflowRegistry


def reach_of(workflows: WorkflowRegistry, scope: Scope) -> dict[str, list[str] | None]:
    """The case_queue query's `whole`, `marks` and `answering` for a reader: the workflows it
    lists every case of (in the reader's regions), the reach marks a case of the others must
    carry, and the workflows whose transfers into the reader's regions it answers."""
    whole, marks = queue_filter(((w.id, w.access) for w in workflows), scope)
    answering = answering_workflows(((w.id, w.transfer_answerers) for w in workflows), scope)
    return {"whole": whole, "marks": marks, "answering": answering}


def assignee(users: Users, name: str | None) -> Assignee | None:
    """The active user named to work a case, with the reach the engine judges (None: none)."""
    found = users.get(name, active=True) if name else None
    return None if found is None else Assignee(found.name, found.reach)
