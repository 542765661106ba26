"""The queue's need-to-know filter, shared by the API's case list and the queue page."""

from __future__ import annotations

from referral_engine.domain.access import Scope, queue_filter
from referral_engine.workflows.loader import WorkflowRegistry


def reach_of(workflows: WorkflowRegistry, scope: Scope) -> dict[str, list[str] | None]:
    """The case_queue query's `whole` and `marks` for a reader: the workflows it lists every
    case of (in the reader's regions), and the reach marks a case of the others must carry."""
    whole, marks = queue_filter(((w.id, w.access) for w in workflows), scope)
    return {"whole": whole, "marks": marks}
