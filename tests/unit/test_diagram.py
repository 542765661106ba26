"""The SVG state diagram: well-formed, self-contained, deterministic, naming every state."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from referral_engine.diagram import workflow_svg
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows import WorkflowRegistry, mermaid
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


def test_the_mermaid_diagram_labels_a_step_with_its_condition_on_the_case_data() -> None:
    uk = next(w for w in SHIPPED if w.id == "uk-nrm")
    drawn = mermaid(uk)
    (edge,) = [line for line in drawn.splitlines() if "identified --> referred" in line]
    assert "refer_adult [is_child = false]" in edge and "refer_child [is_child = true]" in edge
