"""A synthetic case walked through its workflow in memory: consent first, new states next,
referrals on the way, each step decided by the domain's own commands as the engine would
(application/demo.py writes the walked cases in batches, as an import writes its rows)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

from referral_engine.application.ports import AgencyDirectory
from referral_engine.application.registry_checks import facts_for, fitting
from referral_engine.domain import steps
from referral_engine.domain.agencies import AgencyView
from referral_engine.domain.case import Case
from referral_engine.domain.clocks import waiting_steps
from referral_engine.domain.commands import Actor, Context
from referral_engine.domain.conditions import limit_problems, withheld_fields
from referral_engine.domain.errors import TooEarly
from referral_engine.domain.fields import FieldSpec, JSONValue
from referral_engine.domain.regions import check_region
from referral_engine.domain.rules import allowed_referral_steps, allowed_steps
from referral_engine.domain.views import AllowedStep
from referral_engine.domain.workflow import PREVIOUS, TransitionSpec, WorkflowDefinition

Option = tuple[Actor, AllowedStep]
Values = Callable[[Sequence[FieldSpec], datetime, date, Mapping[str, Any]], dict[str, JSONValue]]
"""Synthetic values for a step's fields, stated at a time, of a case opened on a day that
recorded some data (the step's dates keep their rules against it)."""
Acting = Callable[[str, str | None, str], Actor]
"""The demo user acting in a role (for an agency a step is addressed to) on a region's case."""


class Registry:
    """The agency registry as it stands when the walk begins, read once: a walk asks it for
    every step naming an agency, and the registry does not change meanwhile."""

    def __init__(self, directory: AgencyDirectory) -> None:
        self.agencies = directory.listed()
        self.by_slug = {a.slug: a for a in self.agencies}

    def get(self, slug: str, version: int | None = None) -> AgencyView:
        return self.by_slug[slug]

    def listed(
        self, *, kind: str | None = None, service: str | None = None, region: str | None = None
    ) -> list[AgencyView]:
        return [
            a
            for a in self.agencies
            if (kind is None or a.kind == kind)
            and (service is None or service in a.services)
            and (region is None or region in a.regions)
        ]

    def close_matches(self, slug: str, n: int = 3) -> list[str]:
        return []


class Walker:
    """Walks cases of one workflow, each from its opening to where nothing new is left to do;
    every step is stated and recorded at the walk's own time, never later than `now`."""

    def __init__(
        self,
        workflow: WorkflowDefinition,
        registry: AgencyDirectory,
        rng: random.Random,
        now: datetime,
        values: Values,
        acting: Acting,
    ) -> None:
        self.workflow = workflow
        self.registry = registry
        self.rng = rng
        self.now = now
        self.values = values
        self.acting = acting
        self.clock = now
        self.region = ""
        self.visited: set[str] = set()
        self.specs = {t.trigger: t for t in reversed([*workflow.all_transitions()])}
        self.roles_in: dict[str, frozenset[str]] = {}
        self.referral_roles = frozenset(
            role
            for t in (workflow.referrals.transitions if workflow.referrals else ())
            for role in t.roles
        )

    def run(self, region: str, started: datetime, max_steps: int) -> Case:
        """A case opened at `started` in `region`, walked at most `max_steps` steps; its
        events are pending (`collect_events`), none is saved."""
        opening = self.workflow.opening
        self.clock, self.region = started, check_region(region, self.workflow.regions)
        who = self.acting(sorted(opening.roles)[0], None, region)
        # the opening's day in the workflow's time zone, as its rules judge dates against it:
        # the UTC date is the day before from 21:00 (summer in Kyiv), and the walk then drew
        # dates the rules refused (every demo failed from 21:00 to midnight UTC)
        opened = self.workflow.calendar.day(started)
        data = self.values(opening.fields, started, opened, {})
        self._withhold(data, opening.state, opening.sets, {})
        case = steps.open_case(self.workflow, region, data, self._context(who))
        self.visited = {case.state}
        for _ in range(max_steps):
            if not self._step(case):
                break
        return case

    def _withhold(
        self,
        data: dict[str, Any],
        state: str,
        flags: Sequence[str] | set[str],
        held: Mapping[str, Any],
    ) -> None:
        """Leaves out of `data` what the workflow withholds from a case in `state` with `flags`
        (an adult's identity before their consent, uk-nrm 4), as a first responder would."""
        for name in withheld_fields(self.workflow.withheld, state, flags, {**held, **data}):
            data.pop(name, None)

    def _context(self, who: Actor) -> Context:
        return Context(who, self.clock, self.clock, str(uuid4()))

    def _step(self, case: Case) -> bool:
        options = self._options(case)
        if not options:
            return False
        who, step = self.rng.choice(options)
        self.clock = min(self.clock + timedelta(hours=self.rng.randint(2, 72)), self.now)
        recorded = dict(case.data)
        if step.referral_id is not None:
            recorded |= case.referrals[step.referral_id].data
        opened = self.workflow.calendar.day(case.opened_at)  # as the rules judge it (`run`)
        data = self.values(step.fields, self.clock, opened, recorded)
        wf, version = self.workflow, case.version
        if step.referral_id is not None:
            referral = case.referrals[step.referral_id]
            guard = wf.referrals.guard if wf.referrals else None
            spec = guard.step(referral.state, step.trigger) if guard else None
            facts = facts_for(self.registry, spec, data, case.region)
            steps.take_referral_step(
                case, wf, step.referral_id, step.trigger, data, self._context(who), version, facts
            )
        elif step.trigger == self._send_trigger():
            if not self._refer(data) or wf.referrals is None:
                return False
            rule = (wf.referrals.agreement, who.agency)
            facts = facts_for(self.registry, wf.referrals.send, data, case.region, rule)
            steps.send_referral(case, wf, data, self._context(who), version, facts)
        else:
            self._name_agencies(step, data)
            spec = self._spec(step)
            for problem in limit_problems(spec.limits, data, case.data, self.clock.date()):
                data[problem.path.removeprefix("data.")] = str(problem.params["limit"])  # within
            self._withhold(data, *steps.left_by(case, spec), case.data)
            facts = facts_for(self.registry, spec, data, case.region)
            try:
                steps.take_step(case, wf, step.trigger, data, self._context(who), version, facts)
            except TooEarly as early:  # offered today, yet too early on the walk's own day
                start = datetime.combine(early.earliest_on, time(9), tzinfo=UTC)
                if start > self.now:
                    return False
                self.clock = max(self.clock, start)
                steps.take_step(case, wf, step.trigger, data, self._context(who), version, facts)
            self.visited.add(case.state)
        return True

    def _refer(self, data: dict[str, Any]) -> bool:
        """Name in the referral's data a registered agency offering a service in the case's
        region (its service changed to one offered there if need be); False if there is none."""
        referrals = self.workflow.referrals
        assert referrals is not None
        by_service: dict[str, list[str]] = {}
        for agency in self.registry.listed(region=self.region):
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
                fits = fitting(self.registry, spec, self.region)
                if fits:
                    data[spec.name] = self.rng.choice(fits).slug

    def _options(self, case: Case) -> list[Option]:
        """What to do next, in order of preference: consent, referrals, a move to a new state."""
        found: dict[str, list[Option]] = {}
        today = self.now.date()
        named = [
            str(case.data[t.names_agency])
            for t in self.workflow.transitions
            if t.names_agency and isinstance(case.data.get(t.names_agency), str)
        ]
        acting = self._acting_roles(case)
        for role in self.workflow.roles:
            if role not in acting:
                continue  # no step of the state or of a referral is a step of this role
            for agency in [None, *(r.agency for r in case.referrals.values()), *named]:
                who = self.acting(role, agency, self.region)
                offered = [
                    AllowedStep.of(s)
                    for s in allowed_steps(self.workflow, case, role, today, who.agency)
                ]
                for rid in case.referrals:
                    for spec in allowed_referral_steps(self.workflow, case, rid, who):
                        offered.append(AllowedStep.of(spec, rid))
                for step in offered:
                    if agency is not None and not self._addressed(step):
                        continue  # offered to the role's own agency already
                    kind = self._kind(step, case.flags, len(case.referrals))
                    found.setdefault(kind, []).append((who, step))
        return self._preferred(found, bool(waiting_steps(case.guards, today)))

    def _preferred(self, found: dict[str, list[Option]], held: bool) -> list[Option]:
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
                if not onward and kind == "move" and held:
                    return []  # a step is held back (a follow-up): wait for it, do not end
                return onward or found[kind]
        return []

    def _acting_roles(self, case: Case) -> set[str]:
        """The roles some step of the case's state, or of its referrals, names."""
        if case.state not in self.roles_in:
            steps_from = self.workflow.guard.steps_from(case.state)
            self.roles_in[case.state] = frozenset(r for spec in steps_from for r in spec.roles)
        roles = set(self.roles_in[case.state])
        referrals = self.workflow.referrals
        if referrals is not None and case.state in referrals.allowed_in:
            roles |= referrals.send.roles
        if case.referrals:
            roles |= self.referral_roles
        return roles

    def _addressed(self, step: AllowedStep) -> bool:
        """Whether only the agency a referral or an earlier step named may take the step."""
        spec = self._spec(step)
        return spec.receiving_agency_only or spec.named_agency_only is not None

    def _spec(self, step: AllowedStep) -> TransitionSpec:
        return self.specs[step.trigger]

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
        # a move that clears a flag other steps need (consent) is no progress; one clearing a
        # flag nothing needs (the protection from expulsion a decision ends) is
        needed = {flag for t in self.workflow.all_transitions() for flag in t.requires}
        onward = spec.dest not in (None, PREVIOUS) and spec.dest not in self.visited
        if onward and not set(spec.clears) & needed:
            return "move"
        return "other"

    def _send_trigger(self) -> str | None:
        return self.workflow.referrals.send.trigger if self.workflow.referrals else None
