"""The SVG state diagram: well-formed, self-contained, deterministic, naming every state."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from referral_engine.domain.workflow import PREVIOUS, WorkflowDefinition
from referral_engine.workflows.diagram import workflow_svg
from referral_engine.workflows.loader import WorkflowRegistry, mermaid, referral_mermaid
from tests.factories import WORKFLOWS

SVG = "{http://www.w3.org/2000/svg}"
SHIPPED = list(WorkflowRegistry.from_directory(WORKFLOWS))


@pytest.mark.parametrize("workflow", SHIPPED, ids=lambda w: w.ref)
def test_the_diagram_names_every_state_and_trigger(workflow: WorkflowDefinition) -> None:
    root = ET.fromstring(workflow_svg(workflow))
    texts = {t.text for t in root.iter(f"{SVG}text")}
    labels = " ".join(t or "" for t in texts)
    states = [*workflow.states]
    if workflow.referrals is not None:
        states += list(workflow.referrals.states)
    assert set(states) <= texts
    for t in workflow.all_transitions():
        assert t.trigger in labels


@pytest.mark.parametrize("workflow", SHIPPED, ids=lambda w: w.ref)
def test_the_diagram_is_deterministic_and_self_contained(workflow: WorkflowDefinition) -> None:
    svg = workflow_svg(workflow)
    assert svg == workflow_svg(workflow)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script"))
    assert "href" not in svg  # nothing fetched from elsewhere
    assert float(root.attrib["width"]) > 0 and float(root.attrib["height"]) > 0


def test_states_sit_in_layers_by_their_distance_from_the_opening() -> None:
    ukraine = next(w for w in SHIPPED if w.id == "ukraine-nrm")
    root = ET.fromstring(workflow_svg(ukraine))
    y = {}
    for group in root.iter(f"{SVG}g"):
        rect, text = group.find(f"{SVG}rect"), group.find(f"{SVG}text")
        if rect is not None and text is not None and "state" in group.attrib.get("class", ""):
            y.setdefault(text.text, float(rect.attrib["y"]))
    assert y["screened"] < y["application_registered"] < y["interviewed"] < y["identified"]
    assert y["status_granted"] == y["status_refused"] == y["returned_incomplete"]


# -- the picture and the Mermaid text show the same machine ----------------------------------------

Step = tuple[str, str, str]
"""(from state, to state, trigger); "$previous" for a step back to the state before."""
BACK = "$previous"
MERMAID_EDGE = re.compile(r"^\s*(\S+) --> (\S+?)(?::\s*(.*))?$")


def drawn(panel: ET.Element) -> tuple[set[str], str, set[str], set[Step]]:
    """What one panel of the SVG draws: states, the initial one, terminal ones, steps."""
    marks = list(panel.iter(f"{SVG}g"))
    nodes = {g.attrib["data-state"]: g.attrib["class"] for g in marks if "data-state" in g.attrib}
    boxes = {
        g.attrib["data-box"]: g.attrib.get("data-sources", "")
        for g in marks
        if "data-box" in g.attrib
    }
    steps: set[Step] = set()
    for g in marks:
        if "data-from" not in g.attrib:
            continue
        source, dest = g.attrib["data-from"], g.attrib["data-to"]
        dest = BACK if dest.startswith("#previous") else dest
        sources = boxes[source].split() if source in boxes else [source]  # "any of N states"
        steps |= {(s, dest, t) for s in sources for t in g.attrib["data-triggers"].split()}
    for line in panel.iter(f"{SVG}text"):
        if "data-trigger" in line.attrib:
            trigger = line.attrib["data-trigger"]
            steps |= {(s, s, trigger) for s in line.attrib["data-sources"].split()}
    initial = next(n for n, c in nodes.items() if "initial" in c.split())
    terminal = {n for n, c in nodes.items() if "terminal" in c.split()}
    return set(nodes), initial, terminal, steps


def written(text: str) -> tuple[set[str], str, set[str], set[Step]]:
    """What a Mermaid state diagram says: states, the initial one, terminal ones, steps."""
    states = set(re.findall(r'^\s*state "[^"]*" as (\S+)$', text, re.M))
    back = {s for s in states if re.search(rf'state "the state before" as {s}$', text, re.M)}
    steps: set[Step] = set()
    initial, terminal = "", set()
    for line in text.splitlines():
        found = MERMAID_EDGE.match(line)
        if found is None:
            continue
        source, dest, labels = found.groups()
        if source == "[*]":
            initial = dest
        elif dest == "[*]":
            terminal.add(source)
        else:
            for label in (labels or "").split(" | "):
                trigger = re.sub(r"( \[[^\]]*\])+$", "", label)  # [internal], [a condition]
                steps.add((source, BACK if dest in back else dest, trigger))
    return states - back, initial, terminal, steps


def panels(workflow: WorkflowDefinition) -> list[ET.Element]:
    root = ET.fromstring(workflow_svg(workflow))
    return [g for g in root if g.tag == f"{SVG}g"]


@pytest.mark.parametrize("workflow", SHIPPED, ids=lambda w: w.ref)
def test_the_picture_and_the_mermaid_text_show_the_same_case_states_and_steps(
    workflow: WorkflowDefinition,
) -> None:
    picture, text = drawn(panels(workflow)[0]), written(mermaid(workflow))
    assert picture == text
    states, initial, _, steps = picture
    assert states == set(workflow.states) and initial == workflow.opening.state
    declared = {
        (s, BACK if t.dest == PREVIOUS else t.dest or s, t.trigger)
        for t in workflow.transitions
        for s in t.sources
    }
    assert steps == declared


@pytest.mark.parametrize(
    "workflow", [w for w in SHIPPED if w.referrals is not None], ids=lambda w: w.ref
)
def test_the_picture_and_the_mermaid_text_show_the_same_referral_machine(
    workflow: WorkflowDefinition,
) -> None:
    text = referral_mermaid(workflow)
    assert text is not None and workflow.referrals is not None
    picture = drawn(panels(workflow)[1])
    assert picture == written(text)
    assert picture[0] == set(workflow.referrals.states)


def test_the_mermaid_diagram_labels_a_step_with_its_condition_on_the_case_data() -> None:
    uk = next(w for w in SHIPPED if w.id == "uk-nrm")
    drawn = mermaid(uk)
    (edge,) = [line for line in drawn.splitlines() if "identified --> referred" in line]
    assert "refer_adult [is_child = false]" in edge and "refer_child [is_child = true]" in edge
