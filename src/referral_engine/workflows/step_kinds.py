"""The meaning checks of the step kinds (`repeats`, `ends`): how pages offer a step. They are
presentation, not rules of a case (docs/workflows.md, "How pages offer a step")."""

from __future__ import annotations

from collections.abc import Sequence

from referral_engine.domain.workflow import PREVIOUS
from referral_engine.workflows.graph import sources_of
from referral_engine.workflows.model import TransitionModel, WorkflowModel


def step_kind_problems(model: WorkflowModel) -> list[str]:
    """A step both repeating and ending, or repeating while it moves the case."""
    live = [n for n, s in model.states.items() if not s.terminal]
    problems = _problems("transitions", model.transitions, live)
    if model.referrals is not None:
        r = model.referrals
        ref_live = [n for n, s in r.states.items() if not s.terminal]
        problems += _problems("referrals.transitions", r.transitions, ref_live)
    return problems


def _problems(prefix: str, transitions: Sequence[TransitionModel], live: list[str]) -> list[str]:
    problems: list[str] = []
    for i, t in enumerate(transitions):
        path = f"{prefix}[{i}]"
        if t.repeats and t.ends:
            problems.append(
                f"{path}: a step either repeats what is recorded (`repeats`) or ends something "
                "(`ends`), not both"
            )
        sources = sources_of(t.source, live)
        if t.repeats and (t.dest == PREVIOUS or any(t.dest not in (None, s) for s in sources)):
            problems.append(
                f"{path}.repeats: a step that records again what the case holds stays where it "
                "is (no `dest`, or its own source state)"
            )
    return problems
