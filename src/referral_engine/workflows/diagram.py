"""A workflow's state diagram as a self-contained SVG: no graphviz, no JavaScript, deterministic.

States are laid out top-down in layers (a state's layer is its distance in steps from the
opening state), ordered within a layer by where their predecessors sit, and joined by arrows
labelled with the triggers that move the case. Steps fired from many states (closing, withdrawal)
are drawn once from an "any of N states" box; steps that keep the state are listed in a legend;
a `$previous` step points to a "back to the state before" box. The referral sub-workflow, when
the workflow has one, is drawn as a second panel below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from itertools import pairwise
from math import hypot

from referral_engine.domain.workflow import PREVIOUS, StateSpec, TransitionSpec, WorkflowDefinition

WIDE = 4
"""A step fired from this many states or more is drawn once, from an "any of N states" box."""
NODE_H, ROW_GAP, COL_GAP, MARGIN = 40, 74, 36, 24
CHAR_W, FONT = 7.2, 12
LABEL_CHAR_W, LABEL_FONT = 6.0, 10.5
LEGEND_LINE, LEGEND_CHAR_W = 16, 6.4

STYLE = (
    "text{font-family:Helvetica,Arial,sans-serif;fill:#1f2933}"
    ".state rect{fill:#f5f8fc;stroke:#3a5a80;stroke-width:1.4}"
    ".state.initial rect{stroke-width:3}"
    ".state.terminal rect{fill:#eef1f4;stroke:#52606d}"
    ".pseudo rect{fill:#fff;stroke:#7b8794;stroke-dasharray:4 3}"
    ".pseudo text{fill:#52606d;font-style:italic}"
    ".edge path{fill:none;stroke:#52606d;stroke-width:1.2}"
    ".edge rect{fill:#fff;fill-opacity:.9}"
    ".edge text{font-size:10.5px;fill:#3e4c59}"
    ".heading{font-weight:bold;font-size:14px}"
    ".legend{font-size:11px;fill:#3e4c59}"
)


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
class _Node:
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
class _Panel:
    """One machine laid out: its nodes, edges (with their trigger labels) and legend lines."""

    title: str
    words: Words = field(default_factory=Words)
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)
    """Lines under the panel, each with the data attributes naming the step it lists."""
    width: float = 0.0
    height: float = 0.0


def workflow_svg(definition: WorkflowDefinition, words: Words | None = None) -> str:
    """The workflow's state diagram (and its referral sub-workflow) as one SVG document."""
    words = words or Words()
    ref = f"{definition.id} v{definition.version}"
    title = f"{words.title or definition.title} ({ref})"
    roles = ", ".join(sorted(definition.opening.roles))
    opening = words.opening.format(event=definition.opening.event, roles=roles)
    panels = [
        _panel(
            words.case_states.format(ref=ref),
            definition.states,
            definition.transitions,
            definition.opening.state,
            opening,
            words,
        )
    ]
    referrals = definition.referrals
    if referrals is not None:
        sent = words.sending.format(trigger=referrals.send.trigger, event=referrals.send.event)
        panels.append(
            _panel(
                words.referrals,
                referrals.states,
                referrals.transitions,
                referrals.initial,
                sent,
                replace(words, state_titles=words.referral_state_titles),
            )
        )
    drawn = [_draw_panel(panel) for panel in panels]
    left = min(d[1] for d in drawn)
    width = max(d[2] for d in drawn) - left + 2 * MARGIN
    parts: list[str] = []
    top = float(MARGIN)
    for panel, (body, _, _) in zip(panels, drawn, strict=True):
        parts.append(f'<g transform="translate({MARGIN - left:.1f},{top:.1f})">{body}</g>')
        top += panel.height + 2 * MARGIN
    height = top - MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" font-size="{FONT}">'
        f"<title>{escape(title)}</title>"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>'
        f"<style>{STYLE}</style>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(parts)}</svg>\n'
    )


# -- layout ----------------------------------------------------------------------------------------


def _panel(
    title: str,
    states: Mapping[str, StateSpec],
    transitions: Sequence[TransitionSpec],
    initial: str,
    note: str,
    words: Words,
) -> _Panel:
    panel = _Panel(title, words, legend=[(note, "")])
    regular, wide, in_place, back = _classify(transitions)
    layers = _layers(states, initial, regular)
    for name, spec in states.items():
        kind = "initial" if name == initial else "terminal" if spec.terminal else "state"
        tooltip = words.state_titles.get(name) or spec.title or name
        panel.nodes[name] = _Node(name, name, tooltip, kind, layers[name])
    for source, dest, trigger in regular:
        panel.edges.setdefault((source, dest), []).append(trigger)
    for i, t in enumerate(wide):
        key = f"#any{i}"
        sources = ", ".join(t.sources)
        label = words.any_of.format(n=len(t.sources))
        node = _Node(key, label, sources, "pseudo", layers[str(t.dest)], t.sources)
        panel.nodes[key] = node
        panel.edges[(key, str(t.dest))] = [t.trigger]
    for i, (source, trigger) in enumerate(back):
        key = f"#previous{i}"
        panel.nodes[key] = _Node(key, words.before, "", "pseudo", layers[source])
        panel.edges[(source, key)] = [trigger]
    for t in in_place:
        many = words.any_of.format(n=len(t.sources))
        where = ", ".join(t.sources) if len(t.sources) < WIDE else many
        line = words.keeps.format(trigger=t.trigger, event=t.event, where=where)
        panel.legend.append((line, _data(trigger=t.trigger, sources=" ".join(t.sources))))
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


def _place(panel: _Panel) -> None:
    """Order each layer by its predecessors' positions, then give every node its box."""
    order = {key: i for i, key in enumerate(panel.nodes)}
    rows: dict[int, list[_Node]] = {}
    for node in panel.nodes.values():
        node.width = max(len(node.label) * CHAR_W + 28, 110.0)
        rows.setdefault(node.layer, []).append(node)
    preds: dict[str, list[str]] = {}
    for source, dest in panel.edges:
        preds.setdefault(dest, []).append(source)
    position: dict[str, float] = {}
    for layer in sorted(rows):
        row = rows[layer]

        def weight(node: _Node) -> tuple[int, float, int]:
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


def _gaps(panel: _Panel, row: list[_Node]) -> list[float]:
    """The space after each node of a row but the last: room for a label between neighbours."""
    gaps = []
    for a, b in pairwise(row):
        labels = panel.edges.get((a.key, b.key), []) + panel.edges.get((b.key, a.key), [])
        gaps.append(max(COL_GAP, len(", ".join(labels)) * LABEL_CHAR_W + 36))
    return gaps


# -- drawing ---------------------------------------------------------------------------------------


def _data(**attributes: str) -> str:
    """`data-*` attributes naming what a mark draws, so the picture can be checked by machine
    against the workflow (and against its Mermaid text)."""
    return "".join(f' data-{k}="{escape(v)}"' for k, v in attributes.items() if v)


def _draw_panel(panel: _Panel) -> tuple[str, float, float]:
    """The panel's SVG in its own coordinates, and the leftmost and rightmost x it uses."""
    paths: list[str] = []
    labels: list[str] = []
    low, high = 0.0, panel.width
    placed: list[_Label] = []
    for (source, dest), triggers in panel.edges.items():
        reverse = (dest, source) in panel.edges
        boxes = list(panel.nodes.values())
        a, b = panel.nodes[source], panel.nodes[dest]
        path, label = _edge(a, b, triggers, reverse, boxes, panel.words.edge)
        paths.append(path)
        labels.append(_place_label(label, placed, boxes))
        low, high = min(low, label.left, label.cx), max(high, label.left + label.width, label.cx)
    legend = []
    bottom = max(n.y for n in panel.nodes.values()) + NODE_H + 34
    for i, (line, data) in enumerate(panel.legend):
        y = bottom + i * LEGEND_LINE
        legend.append(f'<text class="legend"{data} x="0" y="{y:.1f}">{escape(line)}</text>')
        high = max(high, len(line) * LEGEND_CHAR_W)
    heading = f'<text class="heading" x="0" y="14">{escape(panel.title)}</text>'
    nodes = [_node(n) for n in panel.nodes.values()]
    return "".join([heading, *paths, *nodes, *labels, *legend]), low, high


def _node(node: _Node) -> str:
    classes = "pseudo" if node.kind == "pseudo" else f"state {node.kind}"
    rx = 18 if node.kind == "terminal" else 6
    inner = ""
    if node.kind == "terminal":  # a second border marks a state with no way out
        inner = (
            f'<rect x="{node.x + 3:.1f}" y="{node.y + 3:.1f}" width="{node.width - 6:.1f}" '
            f'height="{NODE_H - 6}" rx="{rx - 3}" fill="none"/>'
        )
    cx, cy = node.center
    tooltip = f"<title>{escape(node.tooltip)}</title>" if node.tooltip else ""
    data = _data(state=node.key)
    if node.kind == "pseudo":
        data = _data(box=node.key, sources=" ".join(node.sources))
    return (
        f'<g class="{classes}"{data}>{tooltip}'
        f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{node.width:.1f}" height="{NODE_H}" '
        f'rx="{rx}"/>{inner}'
        f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle">{escape(node.label)}</text></g>'
    )


def _edge(
    a: _Node,
    b: _Node,
    triggers: list[str],
    reverse: bool,
    others: list[_Node],
    words: str = Words.edge,
) -> tuple[str, _Label]:
    """An arrow from `a` to `b`: straight down the layers or along a row when nothing is in the
    way, else curved aside (to the right of the direction of travel, so a pair of opposite
    arrows separate) as far as it takes to pass the other boxes."""
    (ax, ay), (bx, by) = a.center, b.center
    dx, dy = bx - ax, by - ay
    length = hypot(dx, dy) or 1.0
    straight = not reverse and (b.layer > a.layer or "pseudo" in (a.kind, b.kind))
    bends = [0.0] if straight else []
    base = 56 + min(length, 400) * 0.12
    bends += [side * k * base for k in range(1, 7) for side in (1, -1)]
    if reverse:  # keep to its own side of the opposite arrow
        bends = [x for x in bends if x > 0]
    blocking = [n for n in others if n is not a and n is not b]

    def control(bend: float) -> tuple[float, float]:
        return (ax + bx) / 2 - dy / length * bend, (ay + by) / 2 + dx / length * bend

    def crossed(bend: float) -> int:
        return sum(_crosses(n, (ax, ay), control(bend), (bx, by)) for n in blocking)

    bend = min(bends, key=crossed)  # the first of the least crossed
    cx, cy = control(bend)
    straight = bend == 0.0
    start, end = _clip(a, cx, cy), _clip(b, cx, cy)
    if straight:
        path = f"M{start[0]:.1f},{start[1]:.1f} L{end[0]:.1f},{end[1]:.1f}"
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    else:  # a quadratic curve's midpoint is the mean of its ends and twice its control point
        path = f"M{start[0]:.1f},{start[1]:.1f} Q{cx:.1f},{cy:.1f} {end[0]:.1f},{end[1]:.1f}"
        mx, my = (start[0] + 2 * cx + end[0]) / 4, (start[1] + 2 * cy + end[1]) / 4
    label = ", ".join(triggers)
    width = len(label) * LABEL_CHAR_W + 6
    left = mx - width / 2
    if not straight and abs(cx - (ax + bx) / 2) > abs(cy - (ay + by) / 2):
        left = mx + 4 if cx > (ax + bx) / 2 else mx - 4 - width  # beside the curve, outwards
    said = words.format(
        source=a.label if a.kind == "pseudo" else a.key, dest=b.label, triggers=label
    )
    tip = f"<title>{escape(said)}</title>"
    data = _data(**{"from": a.key, "to": b.key, "triggers": " ".join(triggers)})
    arrow = f'<g class="edge"{data}>{tip}<path d="{path}" marker-end="url(#arrow)"/></g>'
    return arrow, _Label(tip, label, left, my, width, cx)


@dataclass
class _Label:
    tip: str
    text: str
    left: float
    middle: float
    width: float
    cx: float
    """The x of the edge's control point (the curve never reaches further out)."""

    def covers(self, box: _Node) -> bool:
        return (
            self.left < box.x + box.width
            and box.x < self.left + self.width
            and box.y - 8 < self.middle < box.y + NODE_H + 8
        )

    def overlaps(self, other: _Label) -> bool:
        return (
            self.left < other.left + other.width
            and other.left < self.left + self.width
            and abs(self.middle - other.middle) < 15
        )


def _place_label(label: _Label, placed: list[_Label], boxes: list[_Node]) -> str:
    """The label's SVG, moved down (then up) a line at a time until it covers no other label
    and no state."""
    for shift in (0, 15, -15, 30, -30, 45, -45):
        moved = replace(label, middle=label.middle + shift)
        if not any(moved.overlaps(other) for other in placed) and not any(
            moved.covers(box) for box in boxes
        ):
            label = moved
            break
    placed.append(label)
    return (
        f'<g class="edge">{label.tip}<rect x="{label.left:.1f}" y="{label.middle - 8:.1f}" '
        f'width="{label.width:.1f}" height="14" rx="3"/>'
        f'<text x="{label.left + 3:.1f}" y="{label.middle + 3:.1f}">{escape(label.text)}</text></g>'
    )


def _crosses(
    node: _Node, p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float]
) -> bool:
    """Whether the quadratic curve p0-p1-p2 (a line when p1 is the midpoint) runs through the
    node's box, sampled every twentieth of its length."""
    for i in range(1, 20):
        t = i / 20
        x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t**2 * p2[0]
        y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t**2 * p2[1]
        if node.x - 6 <= x <= node.x + node.width + 6 and node.y - 6 <= y <= node.y + NODE_H + 6:
            return True
    return False


def _clip(node: _Node, towards_x: float, towards_y: float) -> tuple[float, float]:
    """Where the line from the node's centre towards a point leaves its box."""
    cx, cy = node.center
    dx, dy = towards_x - cx, towards_y - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (node.width / 2) / abs(dx) if dx else float("inf"),
        (NODE_H / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale
