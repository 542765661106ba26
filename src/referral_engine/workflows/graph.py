"""The state graph of a workflow file: source lists, edges, reachability, and the path words
every check uses (`unknown state 'x'`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from referral_engine.domain.workflow import PREVIOUS
from referral_engine.workflows.model import AllowedInModel, TransitionModel, WorkflowModel

ANY_STATE = "*"
"""A source of `*`: every non-terminal state."""


def sources_of(source: list[str] | str, live_states: Sequence[str]) -> tuple[str, ...]:
    """A transition's source states; `*` means every non-terminal state."""
    if source == ANY_STATE:
        return tuple(live_states)
    return (source,) if isinstance(source, str) else tuple(source)


def edges_of(transitions: Iterable[TransitionModel], live: Sequence[str]) -> dict[str, set[str]]:
    """The state graph. A `$previous` step only returns to a state already visited, so it
    counts as a way out of its source but never makes another state reachable."""
    edges: dict[str, set[str]] = {}
    for t in transitions:
        for s in sources_of(t.source, live):
            if t.dest not in (None, PREVIOUS):
                edges.setdefault(s, set()).add(t.dest)
    return edges


def reachable_from(initial: str, edges: Mapping[str, set[str]]) -> set[str]:
    """The states some chain of edges leads to from `initial` (itself included)."""
    seen, todo = {initial}, [initial]
    while todo:
        for nxt in edges.get(todo.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def unknown(path: str, names: Iterable[str], known: Iterable[str], what: str) -> list[str]:
    """One problem for each name not among the known ones."""
    known = set(known)
    return [f"{path}: unknown {what} '{n}'" for n in names if n not in known]


def declared_fields(model: WorkflowModel) -> list[tuple[str, str, Any]]:
    """Every field declaration as (path of its step, name, declaration), in file order."""
    steps: list[tuple[str, Any]] = [("opening", model.opening)]
    steps += [(f"transitions[{i}]", t) for i, t in enumerate(model.transitions)]
    if model.referrals is not None:
        steps.append(("referrals.send", model.referrals.send))
        steps += [
            (f"referrals.transitions[{i}]", t) for i, t in enumerate(model.referrals.transitions)
        ]
    return [(prefix, name, f) for prefix, step in steps for name, f in step.fields.items()]


def allowed_states(allowed_in: Sequence[str | AllowedInModel]) -> list[str]:
    """The states `referrals.allowed_in` names (a state alone, or with its conditions)."""
    return [a if isinstance(a, str) else a.state for a in allowed_in]
