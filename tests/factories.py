"""Story helpers for tests: actors, a fixed clock, synthetic data, paths to states."""

from __future__ import annotations

import random
import shutil
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from hypothesis import settings

from referral_engine.application import demo_agencies
from referral_engine.application.demo import date_facts, synthetic_data
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import RegistryOpener
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.commands import Actor
from referral_engine.domain.conditions import ConditionSpec, limit_problems
from referral_engine.domain.date_rules import DateFacts
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


@cache
def ukraine() -> WorkflowDefinition:
    """The newest Ukraine version: the one new cases are opened under (loaded once: the load
    tests ask for it at every step, and reading the whole directory took 0.5 s of the client's
    CPU each time, so 32 clients made 2 requests a second and the API's keep-alive timer cut
    a connection the client was about to reuse)."""
    return WorkflowRegistry.from_directory(WORKFLOWS).get(UKRAINE)


def data_for(
    spec: TransitionSpec | Any,
    seed: int = 1,
    *,
    facts: DateFacts | None = None,
    **overrides: object,
) -> dict[str, Any]:
    """Valid synthetic data for a step (all required fields), with overrides. An agency field
    names a synthetic agency of Kyiv Oblast (demo.default_agency); the service it must offer
    is then the shelter's, `shelter-kyiv` offering it, unless told otherwise. Its dates keep
    their rules on `facts` (by default: a step on the tests' first day, on a case opened that
    day)."""
    facts = facts or DateFacts(today(), today())
    rng = random.Random(seed)
    data: dict[str, Any] = synthetic_data(
        spec.fields, rng, optional=0.0, on=facts.today, facts=facts
    )
    for field in spec.fields:
        if field.type == "agency" and field.provides and field.provides in data:
            data[field.provides] = "shelter"
    data.update(overrides)
    return data


def dated(
    engine: Engine, case_id: UUID, occurred_at: object = None, referral_id: str | None = None
) -> DateFacts:
    """What the dates of a step on the case (and the referral), taken at `occurred_at` (by
    default now), are judged against: data_for(spec, facts=dated(...)) keeps their rules."""
    at = occurred_at if isinstance(occurred_at, datetime) else engine.clock()
    return date_facts(engine, case_id, at, referral_id)


def real_today() -> DateFacts:
    """The date facts of a step taken now by the real clock, on a case opened today (for the
    benchmarks, whose engines run on the real clock)."""
    day = ukraine().calendar.day(datetime.now(UTC))
    return DateFacts(day, day)


def open_case(engine: Engine, region: str = REGION, **overrides: Any) -> StepResult:
    """Screen a synthetic person (an adult citizen of Ukraine unless told otherwise: a
    foreigner's case offers the steps version 6 gives foreigners) and open their case."""
    workflow = engine.workflows.get(UKRAINE)
    overrides.setdefault("is_child", False)
    if any(f.name == "citizenship" for f in workflow.opening.fields):
        overrides.setdefault("citizenship", "UA")
    day = workflow.calendar.day(engine.clock())
    data = data_for(workflow.opening, facts=DateFacts(day, day), **overrides)
    return engine.open_case(UKRAINE, region, data, actor=SCREENER)


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
        facts = dated(engine, case_id, kwargs.get("occurred_at"))
        data = data_for(spec, 1, facts=facts, **police_unit_of(spec, case.region))
        on = (kwargs.get("occurred_at") or engine.clock()).date()
        data = within_limits(spec, data, case.data, on)
    return engine.take_step(case_id, trigger, data, actor=actor, **kwargs)


def within_limits(
    spec: TransitionSpec, data: Mapping[str, Any], earlier: Mapping[str, Any], on: date
) -> dict[str, Any]:
    """`data` with each date the step bounds (`limits`) moved to its bound where it lies beyond
    (a status granted in 2023 is valid until 2025 at most, not the synthetic 2026)."""
    fitted = dict(data)
    for problem in limit_problems(spec.limits, fitted, earlier, on):
        fitted[problem.path.removeprefix("data.")] = problem.params["limit"]
    return fitted


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
    """Opening data under which the step's conditions hold (e.g. `is_child=True`, a foreign
    citizenship, a date of birth giving an age under 14 on the first day of the tests)."""
    return {k: v for c in spec.when for k, v in _holding(c, holds=True).items()}


def referable(workflow: WorkflowDefinition, state: str) -> dict[str, object]:
    """Opening data under which a referral may be sent from `state` (a child's from the
    screening: `referrals.allowed_in` with `when`)."""
    assert workflow.referrals is not None
    conditions = workflow.referrals.allowed_when.get(state, ())
    return {k: v for c in conditions for k, v in _holding(c, holds=True).items()}


def failing(spec: TransitionSpec) -> dict[str, object]:
    """Opening data under which none of the step's conditions holds."""
    return {k: v for c in spec.when for k, v in _holding(c, holds=False).items()}


def born_aged(years: int, on: date | None = None) -> str:
    """The date of birth of a person `years` old on `on` (default START), a day past their
    birthday."""
    on = on or START.date()
    return (on.replace(year=on.year - years) - timedelta(days=1)).isoformat()


def _holding(condition: ConditionSpec, *, holds: bool) -> dict[str, object]:
    """Opening data under which `condition` holds (or does not): a yes/no, a citizenship other
    than the one excluded (or it), an age just under the limit (or at it)."""
    if condition.age_below is not None:
        years = condition.age_below - 1 if holds else condition.age_below
        return {condition.field: born_aged(years), "is_child": years < 18}
    if condition.not_equals is not None:
        other = "MD" if condition.not_equals == "UA" else "UA"
        return {condition.field: other if holds else condition.not_equals}
    return {condition.field: condition.equals if holds else not condition.equals}


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
    facts = dated(engine, case_id)
    data = data_for(workflow.referrals.send, facts=facts, agency=agency, service=service)
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
        data_for(spec, facts=dated(engine, case_id, referral_id=referral_id), **overrides),
        actor=actor,
        expected_version=version,
    )


def today() -> date:
    return START.date()


def with_papers(folder: Path) -> Path:
    """`folder` holding the shipped papers' templates (workflows/papers/): a copy of a shipped
    workflow file loads only beside the templates its papers name."""
    shutil.copytree(WORKFLOWS / "papers", folder / "papers", dirs_exist_ok=True)
    return folder


def workflows_naming_referrals(folder: Path, agency: str, service: str) -> Path:
    """The shipped workflow files, copied into `folder`, with the Ukraine ones naming a
    referral's agency and service by the send fields `agency` and `service` (their `agency_field`
    and `service_field`) instead of the defaults."""
    folder.mkdir(parents=True, exist_ok=True)
    for shipped in WORKFLOWS.glob("*.yaml"):
        document = yaml.safe_load(shipped.read_text(encoding="utf-8"))
        # a version written as changes (`extends:`) inherits the renamed block from its parent
        if document["id"] == UKRAINE:  # conditions on the send fields name them too
            renamed = {"agency": agency, "service": service}
            ruled = [
                *document.get("referrals", {}).get("transitions", []),
                *document.get("deadlines", []),
            ]
            for item in ruled:
                when = item.get("when") or []
                for condition in [when] if isinstance(when, dict) else when:
                    condition["field"] = renamed.get(condition["field"], condition["field"])
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
    return with_papers(folder)
