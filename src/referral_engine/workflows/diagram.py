"""A workflow's state diagram as a self-contained SVG: no graphviz, no JavaScript, deterministic.

States are laid out top-down in layers (a state's layer is its distance in steps from the
opening state), ordered within a layer by where their predecessors sit, and joined by arrows
labelled with the triggers that move the case. Steps fired from many states (closing, withdrawal)
are drawn once from an "any of N states" box; steps that keep the state are listed in a legend;
a `$previous` step points to a "back to the state before" box. The referral sub-workflow, when
the workflow has one, is drawn as a second panel below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape
from math import hypot

from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.diagram_layout import (
    FONT,
    LABEL_CHAR_W,
    LEGEND_CHAR_W,
    LEGEND_LINE,
    MARGIN,
    NODE_H,
    Node,
    Panel,
    Words,
    data_attrs,
    lay_out,
)

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


def workflow_svg(definition: WorkflowDefinition, words: Words | None = None) -> str:
    """The workflow's state diagram (and its referral sub-workflow) as one SVG document."""
    words = words or Words()
    ref = f"{definition.id} v{definition.version}"
    title = f"{words.title or definition.title} ({ref})"
    roles = ", ".join(sorted(definition.opening.roles))
    opening = words.opening.format(event=definition.opening.event, roles=roles)
    panels = [
        lay_out(
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
            lay_out(
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


# -- drawing ---------------------------------------------------------------------------------------


def _draw_panel(panel: Panel) -> tuple[str, float, float]:
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


def _node(node: Node) -> str:
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
    data = data_attrs(state=node.key)
    if node.kind == "pseudo":
        data = data_attrs(box=node.key, sources=" ".join(node.sources))
    return (
        f'<g class="{classes}"{data}>{tooltip}'
        f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{node.width:.1f}" height="{NODE_H}" '
        f'rx="{rx}"/>{inner}'
        f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle">{escape(node.label)}</text></g>'
    )


def _edge(
    a: Node,
    b: Node,
    triggers: list[str],
    reverse: bool,
    others: list[Node],
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
    data = data_attrs(**{"from": a.key, "to": b.key, "triggers": " ".join(triggers)})
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

    def covers(self, box: Node) -> bool:
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


def _place_label(label: _Label, placed: list[_Label], boxes: list[Node]) -> str:
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
    node: Node, p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float]
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


def _clip(node: Node, towards_x: float, towards_y: float) -> tuple[float, float]:
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


__all__ = ["Words", "workflow_svg"]
