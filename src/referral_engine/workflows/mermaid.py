"""A workflow's state diagrams as Mermaid text, drawn by `transitions`' GraphMachine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referral_engine.domain.workflow import PREVIOUS, StateSpec, TransitionSpec, WorkflowDefinition

BEFORE = "the state before"
"""How diagrams name where a `$previous` step leads."""


def mermaid(definition: WorkflowDefinition) -> str:
    """The workflow's case states in Mermaid, drawn by `transitions` (no graphviz needed)."""
    return _mermaid(
        f"{definition.id} v{definition.version}",
        definition.states,
        definition.transitions,
        definition.opening.state,
    )


def referral_mermaid(definition: WorkflowDefinition) -> str | None:
    """The referral sub-workflow in Mermaid (None without one); entered by sending."""
    r = definition.referrals
    if r is None:
        return None
    title = f"{definition.id} v{definition.version} referrals"
    return _mermaid(title, r.states, r.transitions, r.initial, entered_by=r.send.trigger)


def _mermaid(
    title: str,
    states: Mapping[str, StateSpec],
    transitions: Sequence[TransitionSpec],
    initial: str,
    entered_by: str = "",
) -> str:
    """One machine as a Mermaid state diagram: a `$previous` step leads to a "the state before"
    box, a step without `dest` is marked internal, terminal states lead to the end mark."""
    from transitions.extensions import GraphMachine

    class _Diagram:
        """A throwaway model: diagrams need one, cases never get a machine."""

    before = next(n for i in range(len(states) + 1) if (n := f"previous{i or ''}") not in states)
    back = any(t.dest == PREVIOUS for t in transitions)
    edges: list[dict[str, Any]] = []
    for t in transitions:
        edge = {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
        edge["dest"] = before if t.dest == PREVIOUS else t.dest
        if t.when:  # drawn as `record_child [is_child = true]`, never evaluated
            edge["conditions"] = [str(c) for c in t.when]
        edges.append(edge)
    machine = GraphMachine(
        model=_Diagram(),
        states=[*states, *([before] if back else [])],
        transitions=edges,
        initial=initial,
        auto_transitions=False,
        graph_engine="mermaid",
        title=title,
        show_conditions=True,
    )
    text = str(machine.get_graph().draw(None))
    text = text.replace(f'state "{before}" as {before}', f'state "{BEFORE}" as {before}')
    if entered_by:
        text = text.replace(f"[*] --> {initial}", f"[*] --> {initial}: {entered_by}")
    ends = [f"  {name} --> [*]" for name, spec in states.items() if spec.terminal]
    return "\n".join([text, *ends])
