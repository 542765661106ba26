"""The layout of a workflow diagram: states in layers by their distance from the opening state,
ordered within a layer by where their predecessors sit; wide steps, steps that keep the state and
`$previous` steps set apart. Drawing it is diagram.py's work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from itertools import pairwise

from referral_engine.domain.workflow import PREVIOUS, StateSpec, TransitionSpec

WIDE = 4
"""A step fired from this many states or more is drawn once, from an "any of N states" box."""
NODE_H, ROW_GAP, COL_GAP, MARGIN = 40, 74, 36, 24
CHAR_W, FONT = 7.2, 12
LABEL_CHAR_W, LABEL_FONT = 6.0, 10.5
LEGEND_LINE, LEGEND_CHAR_W = 16, 6.4


@dataclass(frozen=True)
class Words:
    """The diagram's own words, English by default; pages pass the reader's language (names of
    states and triggers stay names)."""

    case_states: str = "{ref}: case states"
    referrals: str = "referral sub-workflow"
    opening: str = "opening: {event} by {roles}"
    sending: str = "sending: {trigger} ({event})"
    any_of: str = "any of {n} states"
    before: str = "the state before"
    keeps: str = "keeps the state: {trigger} ({event}) in {where}"
    edge: str = "{source} to {dest}: {triggers}"
    title: str = ""
    """The workflow's title ("": its own)."""
    state_titles: Mapping[str, str] = field(default_factory=dict)
    """State name -> its title, shown when pointing at a state ({}: the workflow's own)."""
    referral_state_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Node:
    key: str
    label: str
    tooltip: str
    kind: str  # "state", "initial", "terminal" or "pseudo"
    layer: int
    sources: tuple[str, ...] = ()
    """For an "any of N states" box: the states it stands for."""
    width: float = 0.0
    x: float = 0.0
    y: float = 0.0

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + NODE_H / 2


@dataclass
class Panel:
    """One machine laid out: its nodes, edges (with their trigger labels) and legend lines."""

    title: str
    words: Words = field(default_factory=Words)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)
    """Lines under the panel, each with the data attributes naming the step it lists."""
    width: float = 0.0
    height: float = 0.0


def data_attrs(**attributes: str) -> str:
    """`data-*` attributes naming what a mark draws, so the picture can be checked by machine
    against the workflow (and against its Mermaid text)."""
    return "".join(f' data-{k}="{escape(v)}"' for k, v in attributes.items() if v)


# -- layout ----------------------------------------------------------------------------------------


def lay_out(
    title: str,
    states: Mapping[str, StateSpec],
    transitions: Sequence[TransitionSpec],
    initial: str,
    note: str,
    words: Words,
) -> Panel:
    """One machine laid out: its states in layers, its steps as edges, pseudo boxes or legend."""
    panel = Panel(title, words, legend=[(note, "")])
    regular, wide, in_place, back = _classify(transitions)
    layers = _layers(states, initial, regular)
    for name, spec in states.items():
        kind = "initial" if name == initial else "terminal" if spec.terminal else "state"
        tooltip = words.state_titles.get(name) or spec.title or name
        panel.nodes[name] = Node(name, name, tooltip, kind, layers[name])
    for source, dest, trigger in regular:
        panel.edges.setdefault((source, dest), []).append(trigger)
    for i, t in enumerate(wide):
        key = f"#any{i}"
        sources = ", ".join(t.sources)
        label = words.any_of.format(n=len(t.sources))
        node = Node(key, label, sources, "pseudo", layers[str(t.dest)], t.sources)
        panel.nodes[key] = node
        panel.edges[(key, str(t.dest))] = [t.trigger]
    for i, (source, trigger) in enumerate(back):
        key = f"#previous{i}"
        panel.nodes[key] = Node(key, words.before, "", "pseudo", layers[source])
        panel.edges[(source, key)] = [trigger]
    for t in in_place:
        many = words.any_of.format(n=len(t.sources))
        where = ", ".join(t.sources) if len(t.sources) < WIDE else many
        line = words.keeps.format(trigger=t.trigger, event=t.event, where=where)
        panel.legend.append((line, data_attrs(trigger=t.trigger, sources=" ".join(t.sources))))
    _place(panel)
    return panel


def _classify(
    transitions: Sequence[TransitionSpec],
) -> tuple[
    list[tuple[str, str, str]], list[TransitionSpec], list[TransitionSpec], list[tuple[str, str]]
]:
    """Split steps into drawn edges, wide steps, steps that keep the state, `$previous` steps."""
    regular: list[tuple[str, str, str]] = []
    wide: list[TransitionSpec] = []
    in_place: list[TransitionSpec] = []
    back: list[tuple[str, str]] = []
    for t in transitions:
        if t.dest is None or t.sources == (t.dest,):
            in_place.append(t)
        elif t.dest == PREVIOUS:
            back += [(s, t.trigger) for s in t.sources]
        elif len(t.sources) >= WIDE:
            wide.append(t)
        else:
            regular += [(s, t.dest, t.trigger) for s in t.sources if s != t.dest]
            if t.dest in t.sources:  # from its destination too: there it keeps the state
                in_place.append(replace(t, sources=(t.dest,)))
    return regular, wide, in_place, back


def _layers(
    states: Mapping[str, StateSpec], initial: str, edges: Iterable[tuple[str, str, str]]
) -> dict[str, int]:
    """Each state's layer: its distance in steps from `initial`, then pushed a layer down where
    a step would join two states of one layer (unless that step leads back); states not
    reached go last."""
    out: dict[str, list[str]] = {}
    for source, dest, _ in edges:
        if dest not in out.setdefault(source, []):
            out[source].append(dest)
    layers = {initial: 0}
    frontier = [initial]
    while frontier:
        following: list[str] = []
        for name in frontier:
            for dest in out.get(name, []):
                if dest not in layers:
                    layers[dest] = layers[name] + 1
                    following.append(dest)
        frontier = following
    for _ in range(len(layers)):  # bounded: each pass settles at least one more layer
        flat = [
            b
            for a in layers
            for b in out.get(a, [])
            if layers[a] == layers[b] and a not in out.get(b, [])
        ]
        if not flat:
            break
        layers[flat[0]] += 1
    last = max(layers.values()) + 1
    return {name: layers.get(name, last) for name in states}


def _place(panel: Panel) -> None:
    """Order each layer by its predecessors' positions, then give every node its box."""
    order = {key: i for i, key in enumerate(panel.nodes)}
    rows: dict[int, list[Node]] = {}
    for node in panel.nodes.values():
        node.width = max(len(node.label) * CHAR_W + 28, 110.0)
        rows.setdefault(node.layer, []).append(node)
    preds: dict[str, list[str]] = {}
    for source, dest in panel.edges:
        preds.setdefault(dest, []).append(source)
    position: dict[str, float] = {}
    for layer in sorted(rows):
        row = rows[layer]

        def weight(node: Node) -> tuple[int, float, int]:
            if node.kind == "pseudo":  # boxes pointing at a state sit at the row's left
                return (0 if node.key.startswith("#any") else 2, 0.0, order[node.key])
            above = [position[p] for p in preds.get(node.key, []) if p in position]
            return (1, sum(above) / len(above) if above else float("inf"), order[node.key])

        row.sort(key=weight)
        for i, node in enumerate(row):
            position[node.key] = i - (len(row) - 1) / 2
    gaps = {layer: _gaps(panel, row) for layer, row in rows.items()}
    widths = {layer: sum(n.width for n in row) + sum(gaps[layer]) for layer, row in rows.items()}
    panel.width = max(widths.values())
    for layer, row in sorted(rows.items()):
        x = (panel.width - widths[layer]) / 2
        for node, gap in zip(row, [*gaps[layer], 0.0], strict=True):
            node.x, node.y = x, 34 + layer * (NODE_H + ROW_GAP)
            x += node.width + gap
    panel.height = (
        34 + len(rows) * (NODE_H + ROW_GAP) - ROW_GAP + 22 + LEGEND_LINE * len(panel.legend)
    )


def _gaps(panel: Panel, row: list[Node]) -> list[float]:
    """The space after each node of a row but the last: room for a label between neighbours."""
    gaps = []
    for a, b in pairwise(row):
        labels = panel.edges.get((a.key, b.key), []) + panel.edges.get((b.key, a.key), [])
        gaps.append(max(COL_GAP, len(", ".join(labels)) * LABEL_CHAR_W + 36))
    return gaps
