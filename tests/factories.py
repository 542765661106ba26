"""Story helpers for tests: actors, a fixed clock, synthetic data, paths to states."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from hypothesis import settings

from referral_engine.application import demo_agencies
from referral_engine.application.demo import synthetic_data
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import RegistryOpener
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
    """Valid synthetic data for a step (all required fields), with overrides. An agency field
    names a synthetic agency of Kyiv Oblast (demo.default_agency); the service it must offer
    is then the shelter's, `shelter-kyiv` offering it, unless told otherwise."""
    data: dict[str, Any] = synthetic_data(spec.fields, random.Random(seed), optional=0.0)
    for field in spec.fields:
        if field.type == "agency" and field.provides and field.provides in data:
            data[field.provides] = "shelter"
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
    if actor is None:
        actor = ACTORS_BY_ROLE[sorted(spec.roles)[0]]
        asked = next((t for t in workflow.transitions if t.trigger == spec.named_agency_only), None)
        if asked is not None and asked.names_agency:  # a user of the agency that step asked
            actor = replace(actor, agency=str(case.data.get(asked.names_agency)))
    kwargs.setdefault("expected_version", case.version)
    if data is None:
        data = data_for(spec, 1, **police_unit_of(spec, case.region))
    return engine.take_step(case_id, trigger, data, actor=actor, **kwargs)


def police_unit_of(spec: TransitionSpec, region: str) -> dict[str, object]:
    """The synthetic police unit of `region` for each police-unit field of the step."""
    oblast = demo_agencies.OBLASTS.get(region)
    return {
        f.name: f"police-{oblast[0]}"
        for f in spec.fields
        if f.type == "agency" and "police_unit" in f.kinds and oblast is not None
    }


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
    """An engine on the same store, clock and agency registry that knows only this version of
    the workflow, so that it opens cases under it (a full engine opens them under the newest)."""
    only = WorkflowRegistry([engine.workflows.get(workflow_id, version)])
    return Engine(engine.store, only, engine.clock, engine.open_agencies)


def kyiv_shelter(slug: str) -> demo_agencies.Entry:
    """A test's own synthetic shelter of Kyiv Oblast, registered with the synthetic agencies
    (`with_synthetic_agencies(engine, kyiv_shelter("..."))`), with its agreement."""
    return demo_agencies.Entry(slug, {"en": f"{slug} (synthetic)"}, "ngo", ("shelter",), (REGION,))


def with_synthetic_agencies(engine: Engine, *more: demo_agencies.Entry) -> Engine:
    """The engine, its agency registry filled with the synthetic agencies (demo_agencies.py:
    `shelter-kyiv`, `clinic-kyiv`, `police-kyivska`, `lsa-kyivska`, ...) and `more` when first
    opened, so that only tests naming an agency pay for it."""
    opener = engine.open_agencies
    assert isinstance(opener, RegistryOpener)
    opener.seed = partial(demo_agencies.register, entries=(*demo_agencies.ENTRIES, *more))
    return engine


def case_in(engine: Engine, state: str, *, consent: bool = True, **opening: Any) -> UUID:
    """A fresh case walked to `state`, with consent recorded first unless told otherwise."""
    case_id = open_case(engine, **opening).case_id
    if consent:
        step(engine, case_id, "record_consent", actor=LSA)
    for trigger in path_to(engine.workflows.get(UKRAINE), state):
        step(engine, case_id, trigger)
    return case_id


def send_referral(
    engine: Engine, case_id: UUID, agency: str | None = None, service: str = "shelter"
) -> StepResult:
    """Refer the person to `agency` for `service`: by default the Kyiv shelter where it offers
    the service, else the first synthetic agency offering it in the case's region."""
    workflow = engine.workflows.get(UKRAINE)
    assert workflow.referrals is not None
    case = engine.case(case_id)
    if agency is None:
        offering = [
            e.slug
            for e in demo_agencies.ENTRIES
            if service in e.services and case.region in e.regions
        ]
        agency = "shelter-kyiv" if "shelter-kyiv" in offering else offering[0]
    data = data_for(workflow.referrals.send, agency=agency, service=service)
    return engine.send_referral(case_id, data, actor=LSA, expected_version=case.version)


def referral_step(
    engine: Engine,
    case_id: UUID,
    referral_id: str,
    trigger: str,
    actor: Actor | None = None,
    **overrides: Any,
) -> StepResult:
    """A step on a referral, by default by the shelter's user, of the referral's agency."""
    workflow = engine.workflows.get(UKRAINE)
    assert workflow.referrals is not None
    spec = next(t for t in workflow.referrals.transitions if t.trigger == trigger)
    case = engine.case(case_id)
    version = case.version
    if actor is None:
        sent = next((r.agency for r in case.referrals if r.id == referral_id), SHELTER.agency)
        actor = replace(SHELTER, agency=sent)
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
            labels = document.get("labels", {}).values()
            sends += [lang["referrals"]["send"] for lang in labels if "referrals" in lang]
            for send in sends:
                send["fields"] = {renamed.get(k, k): v for k, v in send["fields"].items()}
                for field in send["fields"].values():  # an agency field offering the service
                    if isinstance(field, dict) and field.get("provides") == "service":
                        field["provides"] = service
        (folder / shipped.name).write_text(yaml.safe_dump(document), encoding="utf-8")
    return folder
