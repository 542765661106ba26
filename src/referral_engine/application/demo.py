"""Synthetic cases for demos and tests: generated from a workflow's field declarations alone.

No real person's data ever appears here: names are drawn from made-up lists and marked synthetic.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from referral_engine.application.agencies import Agencies
from referral_engine.application.demo_agencies import acting_agency
from referral_engine.application.demo_agencies import register as register_agencies
from referral_engine.application.engine import Engine
from referral_engine.application.ports import UserDirectory
from referral_engine.application.registry_checks import fitting
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import TooEarly
from referral_engine.domain.fields import FieldSpec, JSONValue
from referral_engine.domain.views import AllowedStep
from referral_engine.domain.workflow import PREVIOUS, TransitionSpec, WorkflowDefinition

FIRST_NAMES = ("Oksana", "Taras", "Iryna", "Bohdan", "Halyna", "Mykola", "Larysa", "Yurii")
LAST_NAMES = ("Testenko", "Prykladna", "Demchuk-Synth", "Zrazkova", "Fiktyvnyi", "Uyavna")
REGIONS = ("UA-32", "UA-46", "UA-51", "UA-63", "UA-12")
CITIZENSHIPS = ("UA", "UA", "UA", "MD", "BY", "RU", "GE", "VN", "GB", "AL", "stateless", "unknown")
"""Synthetic citizenships, weighted towards the countries NRM reports name most."""


def synthetic_value(spec: FieldSpec, rng: random.Random, on: date | None = None) -> JSONValue:
    """A plausible synthetic value for one declared field."""
    on = on or date(2026, 1, 15)
    if spec.type == "country":
        return rng.choice(CITIZENSHIPS)
    if spec.type == "agency":  # a synthetic agency of Kyiv Oblast; the walker picks one that fits
        return default_agency(spec)
    if spec.type == "date" and spec.name == "date_of_birth":  # ages from 8 to 70
        return (on - timedelta(days=rng.randint(8 * 365, 70 * 365))).isoformat()
    if spec.type == "date" and spec.name.startswith("exploitation"):  # up to 3 years before
        return (on - timedelta(days=rng.randint(30, 3 * 365))).isoformat()
    if spec.type in ("enum", "enum_list"):
        if spec.type == "enum":
            return rng.choice(spec.values)
        return rng.sample(list(spec.values), k=rng.randint(1, min(2, len(spec.values))))
    if spec.type == "bool":
        return rng.random() < 0.5
    if spec.type == "int":
        low = spec.minimum if spec.minimum is not None else 1
        high = spec.maximum if spec.maximum is not None else 100
        return rng.randint(low, min(high, low + 100))
    if spec.type == "date":
        return (on - timedelta(days=rng.randint(0, 30))).isoformat()
    if spec.type == "datetime":
        return datetime(
            on.year, on.month, on.day, 10, tzinfo=datetime.now().astimezone().tzinfo
        ).isoformat()
    if "name" in spec.name:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (synthetic)"
    if spec.type == "text":
        return f"Synthetic note on {spec.title or spec.name}, no real person described."
    return f"SYN-{spec.name[:12].upper()}-{rng.randint(1000, 9999)}"


def synthetic_data(
    fields: Sequence[FieldSpec],
    rng: random.Random,
    *,
    optional: float = 0.5,
    on: date | None = None,
) -> dict[str, JSONValue]:
    """Values for every required field and, at the given rate, for the optional ones."""
    return {
        f.name: synthetic_value(f, rng, on) for f in fields if f.required or rng.random() < optional
    }


def default_agency(spec: FieldSpec) -> str:
    """A synthetic registered agency of the kind an agency field takes (Kyiv Oblast's)."""
    if "police_unit" in spec.kinds:
        return "police-kyivska"
    return "lsa-kyivska" if spec.kinds == ("state_body",) else "shelter-kyiv"


def actor(role: str, agency: str | None = None, region: str = "UA-32") -> Actor:
    """The demo user acting in `role` for a case of `region`: of the registered agency such a
    user belongs to, or of `agency` when a step needs the agency a referral or request names."""
    agency = agency or acting_agency(role, region)
    return Actor(f"demo-{role}-{agency}", role, agency)


class Walker:
    """Walks one case through its workflow: consent first, new states next, referrals on the way."""

    def __init__(self, engine: Engine, workflow: WorkflowDefinition, rng: random.Random) -> None:
        self.engine = engine
        self.workflow = workflow
        self.rng = rng
        self.clock = engine.clock()
        # Each step is recorded at the walk's own time, as if entered when it happened: a step
        # stated earlier than its recording would count its earliest dates from today.
        self.recorder = Engine(
            engine.store, engine.workflows, lambda: self.clock, engine.open_agencies
        )
        self.region = REGIONS[0]

    def run(self, region: str, started: datetime, max_steps: int) -> UUID:
        """Open a case backdated to `started` and walk it until nothing new is left to do."""
        opening = self.workflow.opening
        self.clock, self.region = started, region
        who = actor(sorted(opening.roles)[0], region=region)
        result = self.recorder.open_case(
            self.workflow.id,
            region,
            synthetic_data(opening.fields, self.rng, on=started.date()),
            actor=who,
            occurred_at=started,
        )
        self.visited = {result.state}
        for _ in range(max_steps):
            if not self._step(result.case_id):
                break
        return result.case_id

    def _step(self, case_id: UUID) -> bool:
        options = self._options(case_id)
        if not options:
            return False
        who, step, version = self.rng.choice(options)
        now = self.engine.clock()
        self.clock = min(self.clock + timedelta(hours=self.rng.randint(2, 72)), now)
        data = synthetic_data(step.fields, self.rng, on=self.clock.date())
        kwargs: dict[str, Any] = {"expected_version": version, "occurred_at": self.clock}
        if step.referral_id is not None:
            self.recorder.take_referral_step(
                case_id, step.referral_id, step.trigger, data, actor=who, **kwargs
            )
        elif step.trigger == self._send_trigger():
            if not self._refer(data):
                return False
            self.recorder.send_referral(case_id, data, actor=who, **kwargs)
        else:
            self._name_agencies(step, data)
            try:
                result = self.recorder.take_step(case_id, step.trigger, data, actor=who, **kwargs)
            except TooEarly as early:  # offered today, yet too early on the walk's own day
                start = datetime.combine(early.earliest_on, time(9), tzinfo=UTC)
                if start > now:
                    return False
                self.clock = max(self.clock, start)
                kwargs["occurred_at"] = self.clock
                result = self.recorder.take_step(case_id, step.trigger, data, actor=who, **kwargs)
            self.visited.add(result.state)
        return True

    def _refer(self, data: dict[str, Any]) -> bool:
        """Name in the referral's data a registered agency offering a service in the case's
        region (its service changed to one offered there if need be); False if there is none."""
        referrals = self.workflow.referrals
        assert referrals is not None
        by_service: dict[str, list[str]] = {}
        for agency in self.engine.agencies.listed(region=self.region):
            for service in agency.services:
                by_service.setdefault(service, []).append(agency.slug)
        send = {f.name: f for f in referrals.send.fields}
        offered = [s for s in send[referrals.service_field].values if by_service.get(s)]
        if not offered:
            return False
        if data[referrals.service_field] not in offered:
            data[referrals.service_field] = self.rng.choice(offered)
        data[referrals.agency_field] = self.rng.choice(by_service[data[referrals.service_field]])
        return True

    def _name_agencies(self, step: AllowedStep, data: dict[str, Any]) -> None:
        """Each agency the step names: a registered one that fits, where the registry has one."""
        for spec in step.fields:
            if spec.type == "agency":
                fits = fitting(self.engine.agencies, spec, self.region)
                data[spec.name] = self.rng.choice(fits).slug if fits else default_agency(spec)

    def _options(self, case_id: UUID) -> list[tuple[Actor, AllowedStep, int]]:
        """What to do next, in order of preference: consent, referrals, a move to a new state."""
        case = self.engine.case(case_id)
        found: dict[str, list[tuple[Actor, AllowedStep, int]]] = {}
        named = [
            str(case.data[t.names_agency])
            for t in self.workflow.transitions
            if t.names_agency and isinstance(case.data.get(t.names_agency), str)
        ]
        for role in self.workflow.roles:
            for agency in [None, *(r.agency for r in case.referrals), *named]:
                who = actor(role, agency, self.region)
                view = self.engine.case(case_id, reader=who)
                for step in view.allowed_steps:
                    if agency is not None and not self._addressed(step):
                        continue  # offered to the role's own agency already
                    found.setdefault(self._kind(step, view.flags, len(view.referrals)), []).append(
                        (who, step, view.version)
                    )
        if found.get("consent"):
            return found["consent"][:1]  # the first consent step the file declares
        if found.get("referral"):
            by_agency = [o for o in found["referral"] if self._addressed(o[1])]
            keep_open = [o for o in by_agency if not self._ends_referral(o[1])]
            return (keep_open if self.rng.random() < 0.8 else []) or by_agency or found["referral"]
        if found.get("held"):  # a step that was held back (a follow-up) and is due
            return found["held"][:1]
        for kind in ("send", "move"):
            if found.get(kind):
                onward = [o for o in found[kind] if self._onward(o[1])]
                if not onward and kind == "move" and case.not_yet_allowed:
                    return []  # a step is held back (a follow-up): wait for it, do not end
                return onward or found[kind]
        return []

    def _addressed(self, step: AllowedStep) -> bool:
        """Whether only the agency a referral or an earlier step named may take the step."""
        spec = self._spec(step)
        return spec.receiving_agency_only or spec.named_agency_only is not None

    def _spec(self, step: AllowedStep) -> TransitionSpec:
        return next(t for t in self.workflow.all_transitions() if t.trigger == step.trigger)

    def _ends_referral(self, step: AllowedStep) -> bool:
        referrals = self.workflow.referrals
        dest = self._spec(step).dest
        return referrals is not None and dest is not None and referrals.states[dest].terminal

    def _onward(self, step: AllowedStep) -> bool:
        """Whether the step's destination still leads somewhere new (progress, not closure)."""
        dest = self._spec(step).dest
        if dest in (None, PREVIOUS):
            return True
        return any(
            t.dest not in (None, PREVIOUS, dest) for t in self.workflow.guard.steps_from(str(dest))
        )

    def _kind(self, step: AllowedStep, flags: Sequence[str], referrals: int) -> str:
        spec = self._spec(step)
        if spec.sets and not set(spec.sets) <= set(flags):
            return "consent"
        if step.referral_id is not None:
            return "referral" if self.rng.random() < 0.6 else "other"
        if spec.not_before is not None and spec.dest is None:
            return "held"
        if step.trigger == self._send_trigger():
            return "send" if referrals < 2 and self.rng.random() < 0.5 else "other"
        if spec.dest not in (None, PREVIOUS) and spec.dest not in self.visited and not spec.clears:
            return "move"
        return "other"

    def _send_trigger(self) -> str | None:
        return self.workflow.referrals.send.trigger if self.workflow.referrals else None


DEMO_STAFF = (("supervisor", "lsa-kyivska"), ("analyst", "msp"), ("admin", "msp"))
"""The demo's staff, each of a synthetic registered agency (application/demo_agencies.py)."""


def demo_users(users: UserDirectory) -> list[tuple[str, str, str, str]]:
    """Demo users for every role (created once), each with a fresh token and a fresh password
    for the pages: (name, role, token, password)."""
    workflow_roles = sorted(users.known_roles - {r for r, _ in DEMO_STAFF})
    wanted = [(r, acting_agency(r)) for r in workflow_roles]
    issued = []
    for role, agency in [*wanted, *DEMO_STAFF]:
        name = f"demo-{role.replace('_', '-')}"
        if users.get(name) is None:
            users.add(name, role, agency, list(REGIONS))
        users.revoke_all(name)
        password = secrets.token_urlsafe(12)
        users.set_password(name, password)
        issued.append((name, role, users.issue_token(name, "demo"), password))
    return issued


def seed(engine: Engine, workflow_id: str, cases: int = 5, seed: int = 2011) -> list[UUID]:
    """Open `cases` synthetic cases and walk each through the workflow, referring people to the
    synthetic registry's agencies (registered first where the engine's registry takes them);
    returns their ids."""
    registry = engine.agencies
    if isinstance(registry, Agencies):
        register_agencies(registry)
    rng = random.Random(seed)
    workflow = engine.workflows.get(workflow_id)
    walker = Walker(engine, workflow, rng)
    regions = (
        [r for r in REGIONS if r in workflow.regions] or sorted(workflow.regions) or list(REGIONS)
    )
    now = engine.clock()
    return [
        walker.run(
            # up to eight months back: cases closed early enough are followed up a quarter later
            rng.choice(regions),
            now - timedelta(days=rng.randint(20, 240)),
            rng.randint(4, 30),
        )
        for _ in range(cases)
    ]
