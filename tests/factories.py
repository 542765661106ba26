"""Story helpers for tests: actors, a fixed clock, synthetic data, paths to states."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from hypothesis import settings

from referral_engine.application.demo import synthetic_data
from referral_engine.application.engine import Engine
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.commands import Actor
from referral_engine.domain.views import StepResult
from referral_engine.domain.workflow import PREVIOUS, TransitionSpec, WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

WORKFLOWS = PROJECT_ROOT / "workflows"
UKRAINE = "ukraine-nrm"
REGION = "UA-32"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

SCREENER = Actor("olena.ngo", "nrm_actor", "ngo-la-strada-synthetic")
LSA = Actor("petro.lsa", "lsa_official", "lsa-kyivska")
POLICE = Actor("ivan.police", "police", "police-kyivska")
DECIDER = Actor("maria.msp", "decision_maker", "msp-kyivska")
SUPERVISOR = Actor("sofia.supervisor", "supervisor", "lsa-kyivska")
SHELTER = Actor("anna.shelter", "service_provider", "shelter-kyiv")
CLINIC = Actor("oleh.clinic", "service_provider", "clinic-kyiv")

ACTORS_BY_ROLE = {a.role: a for a in (SCREENER, LSA, POLICE, DECIDER, SUPERVISOR, SHELTER)}


class FixedClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def examples(thorough: int) -> int:
    """A Hypothesis test's example count: `thorough` under the thorough profile (CI), scaled
    down with the loaded profile's own count under the quick one (a developer's run)."""
    return max(1, thorough * settings().max_examples // 100)


def wait_until(
    predicate: Callable[[], object], *, what: str, timeout: float = 60.0, every: float = 0.05
) -> None:
    """Poll `predicate` every `every` seconds until it holds; fail naming `what` after `timeout`.

    Another thread or process is waited for by what it does, never by a fixed sleep: on a busy
    machine a process can take many seconds to start."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(every)


def ukraine() -> WorkflowDefinition:
    """The newest Ukraine version: the one new cases are opened under."""
    return WorkflowRegistry.from_directory(WORKFLOWS).get(UKRAINE)


def data_for(spec: TransitionSpec | Any, seed: int = 1, **overrides: object) -> dict[str, Any]:
    """Valid synthetic data for a step (all required fields), with overrides."""
    data: dict[str, Any] = synthetic_data(spec.fields, random.Random(seed), optional=0.0)
    data.update(overrides)
    return data


def open_case(engine: Engine, region: str = REGION, **overrides: Any) -> StepResult:
    """Screen a synthetic person (an adult unless told otherwise) and open their case."""
    workflow = engine.workflows.get(UKRAINE)
    overrides.setdefault("is_child", False)
    return engine.open_case(
        UKRAINE, region, data_for(workflow.opening, **overrides), actor=SCREENER
    )


def step(
    engine: Engine,
    case_id: UUID,
    trigger: str,
    actor: Actor | None = None,
    data: Mapping[str, object] | None = None,
    **kwargs: Any,
) -> StepResult:
    """Take one case-level step as the first role the workflow allows, with valid data."""
    case = engine.case(case_id)
    workflow = engine.workflow_of(case_id)
    spec = workflow.guard.step(case.state, trigger)
    assert spec is not None, f"{trigger} is not legal from {case.state}"
    actor = actor or ACTORS_BY_ROLE[sorted(spec.roles)[0]]
    kwargs.setdefault("expected_version", case.version)
    return engine.take_step(
        case_id, trigger, data if data is not None else data_for(spec), actor=actor, **kwargs
    )


def path_to(workflow: WorkflowDefinition, state: str) -> list[str]:
    """The shortest list of triggers from the opening state to `state` (consent not included)."""
    start = workflow.opening.state
    paths: dict[str, list[str]] = {start: []}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for spec in workflow.guard.steps_from(current):
            dest = spec.dest
            if dest in (None, PREVIOUS) or dest in paths:
                continue
            paths[dest] = [*paths[current], spec.trigger]
            queue.append(dest)
    return paths[state]


def meeting(spec: TransitionSpec) -> dict[str, object]:
    """Opening data under which the step's conditions hold (e.g. `is_child=True`)."""
    return {c.field: c.equals for c in spec.when}


def engine_on_version(engine: Engine, workflow_id: str, version: int) -> Engine:
    """An engine on the same store and clock that knows only this version of the workflow, so
    that it opens cases under it (a full engine opens them under the newest)."""
    only = WorkflowRegistry([engine.workflows.get(workflow_id, version)])
    return Engine(engine.store, only, engine.clock)


def case_in(engine: Engine, state: str, *, consent: bool = True, **opening: Any) -> UUID:
    """A fresh case walked to `state`, with consent recorded first unless told otherwise."""
    case_id = open_case(engine, **opening).case_id
    if consent:
        step(engine, case_id, "record_consent", actor=LSA)
    for trigger in path_to(engine.workflows.get(UKRAINE), state):
        step(engine, case_id, trigger)
    return case_id


def send_referral(
    engine: Engine, case_id: UUID, agency: str = "shelter-kyiv", service: str = "shelter"
) -> StepResult:
    workflow = engine.workflows.get(UKRAINE)
    assert workflow.referrals is not None
    data = data_for(workflow.referrals.send, agency=agency, service=service)
    version = engine.case(case_id).version
    return engine.send_referral(case_id, data, actor=LSA, expected_version=version)


def referral_step(
    engine: Engine,
    case_id: UUID,
    referral_id: str,
    trigger: str,
    actor: Actor = SHELTER,
    **overrides: Any,
) -> StepResult:
    workflow = engine.workflows.get(UKRAINE)
    assert workflow.referrals is not None
    spec = next(t for t in workflow.referrals.transitions if t.trigger == trigger)
    version = engine.case(case_id).version
    return engine.take_referral_step(
        case_id,
        referral_id,
        trigger,
        data_for(spec, **overrides),
        actor=actor,
        expected_version=version,
    )


def today() -> date:
    return START.date()


def workflows_naming_referrals(folder: Path, agency: str, service: str) -> Path:
    """The shipped workflow files, copied into `folder`, with the Ukraine ones naming a
    referral's agency and service by the send fields `agency` and `service` (their `agency_field`
    and `service_field`) instead of the defaults."""
    folder.mkdir(parents=True, exist_ok=True)
    for shipped in WORKFLOWS.glob("*.yaml"):
        document = yaml.safe_load(shipped.read_text(encoding="utf-8"))
        # a version written as changes (`extends:`) inherits the renamed block from its parent
        if document["id"] == UKRAINE and "send" in document.get("referrals", {}):
            renamed = {"agency": agency, "service": service}
            referrals = document["referrals"]
            referrals.update(agency_field=agency, service_field=service)
            sends = [referrals["send"]]
            sends += [lang["referrals"]["send"] for lang in document.get("labels", {}).values()]
            for send in sends:
                send["fields"] = {renamed.get(k, k): v for k, v in send["fields"].items()}
        (folder / shipped.name).write_text(yaml.safe_dump(document), encoding="utf-8")
    return folder
