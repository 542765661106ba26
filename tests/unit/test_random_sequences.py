"""Random legal and illegal command sequences against every shipped workflow version (hypothesis),
judged by the workflow files themselves.

The oracle (tests/unit/workflow_oracle.py) reads each file with plain YAML and knows nothing of
the engine. One state machine runs per shipped file. After every command the case must be what
the file says: an accepted command moved it exactly as declared (state, version, flags,
referrals, deadlines, earliest dates), the steps offered to each role and agency are those the file
allows now, and a refused one (an illegal or too early step, a wrong role, a missing field, a
wrong value, an undeclared field, a stale version, a time before the previous step, a date
its field's rules refuse) wrote nothing. Replaying the case at any version gives back what was
seen right after that command.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import DomainError, InvalidData
from referral_engine.domain.views import CaseView
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import WORKFLOWS, FixedClock, examples, with_synthetic_agencies
from tests.unit.random_values import AGENCIES, payload, spoil
from tests.unit.workflow_oracle import REGISTRY, Expected, Rules, Step, valid, withheld_fields

SHIPPED = [Rules(path) for path in sorted(WORKFLOWS.glob("*.yaml"))]
OUTSIDERS = ("analyst",)
"""A role no workflow names: it may never act."""
MISTAKES = ("role", "missing", "value", "undeclared", "stale", "backdated")


class CaseMachine(RuleBasedStateMachine):
    """One case of one workflow file, driven by random commands from random roles and agencies."""

    RULES: Rules

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.engine: Engine = with_synthetic_agencies(build_in_memory(clock=self.clock))
        self.engine.keep_every = 3  # replays keep folds (snapshots) that later ones start from
        self.seen: dict[int, CaseView] = {}
        self.visited: set[str] = set()

    @initialize(data=st.data())
    def open(self, data: st.DataObject) -> None:
        # any day of a year, so that working-day deadlines meet weekends and listed holidays
        self.clock.now += timedelta(days=data.draw(st.integers(0, 365)))
        rules, now = self.RULES, self.clock.now
        opening = rules.opening
        today = now.astimezone(rules.time_zone).date()  # the workflow's local day
        body = payload(data, opening.get("fields") or {}, today, {}, exact=True)
        role = data.draw(st.sampled_from(sorted(opening["roles"])))
        # an engine that knows only this version opens the case under it
        definition = self.engine.workflows.get(rules.id, rules.version)
        opener = Engine(
            self.engine.store, WorkflowRegistry([definition]), self.clock, self.engine.open_agencies
        )
        # Kyiv Oblast, where the synthetic agencies are; else the first of its registry, if any
        region = "UA-32" if "UA-32" in definition.regions else min(definition.regions, default="")
        region = region or "UA-32"
        opener_actor = Actor("opener", role, "agency")
        sets = set(opening.get("sets", []))
        if withheld := withheld_fields(rules.withheld, opening["state"], sets, body):
            with pytest.raises(InvalidData) as refused:  # identity before consent (uk-nrm 4)
                opener.open_case(rules.id, region, body, actor=opener_actor)
            assert {p.path for p in refused.value.problems} == {f"data.{f}" for f in withheld}
            body = {name: value for name, value in body.items() if name not in withheld}
        result = opener.open_case(rules.id, region, body, actor=opener_actor)
        self.case_id: UUID = result.case_id
        self.expected = Expected(
            rules,
            opening["state"],
            dict(body),
            set(opening.get("sets", [])),
            now,
            region=region,
            opened_at=now,
        )
        self.expected.start_guards(opening["event"], now.date())
        self.expected.move_deadlines(opening["event"], None, now.date(), body)
        self._remember()

    # -- commands -------------------------------------------------------------------------------

    @property
    def current(self) -> Rules:
        """The rules of the version the case runs now (a migration changes them)."""
        return self.expected.rules

    @rule(data=st.data())
    def take_a_case_step(self, data: st.DataObject) -> None:
        """A case step (or a referral sent): mostly one the file allows now, often one that
        makes progress, sometimes one from the current state by its roles, sometimes any."""
        today = self.clock.advance(hours=1).date()
        agency = data.draw(st.sampled_from(self._agencies()))
        offered = {
            role: sorted(t for r, t in self.expected.offered(role, agency, today) if r is None)
            for role in self.current.roles
        }
        if data.draw(st.integers(0, 3)) < 3:  # mostly only steps that make progress
            offered = {role: [t for t in ts if self._new(t)] for role, ts in offered.items()}
        movers = sorted(role for role, triggers in offered.items() if triggers)
        here = [s for s in self.current.steps if self.expected.state in s.sources]
        if self.current.send is not None and self.expected.state in self.current.allowed_in:
            here.append(self.current.send)
        pick = data.draw(st.integers(0, 9))
        if movers and pick < 6:  # mostly legal moves, to go deep
            role = data.draw(st.sampled_from(movers))
            trigger = data.draw(st.sampled_from(offered[role]))
        elif here and pick < 9:  # a step from here: its role, flags, conditions or date may fail
            chosen = data.draw(st.sampled_from(here))
            trigger, role = chosen.trigger, data.draw(st.sampled_from(sorted(chosen.roles)))
        else:
            everything = [*self.current.steps, *([self.current.send] if self.current.send else [])]
            role = data.draw(st.sampled_from([*self.current.roles, *OUTSIDERS]))
            trigger = data.draw(st.sampled_from(sorted({s.trigger for s in everything})))
        if self.current.send is not None and trigger == self.current.send.trigger:
            self._send(data, self.current.send, role)
            return
        step = self.current.step(self.expected.state, trigger)
        legal = (
            step is not None and self.expected.case_step(trigger, role, today, agency) is not None
        )
        self._attempt(
            data,
            step,
            role,
            legal,
            lambda body, actor, **kw: self.engine.take_step(
                self.case_id, trigger, body, actor=actor, **kw
            ),
            lambda body, occurred: self.expected.take(step, body, occurred, agency),
            agency=agency,
        )

    def _agencies(self) -> list[str]:
        """The agencies steps may be taken for: the referral ones, and those steps addressed."""
        addressed = sorted({addressee for _, addressee in self.expected.addressed.values()})
        return [*AGENCIES, *(a for a in addressed if a not in AGENCIES)]

    def _send(self, data: st.DataObject, send: Step, role: str) -> None:
        """A referral, mostly to an agency offering the service (the registry's rules apply
        from Ukraine's version 5; a free-text agency before)."""
        service = data.draw(st.sampled_from(send.fields["service"]["values"]))
        offering = [a for a in AGENCIES if service in REGISTRY[a].services]
        agency = data.draw(
            st.sampled_from(offering if offering and data.draw(st.booleans()) else AGENCIES)
        )
        self._attempt(
            data,
            send,
            role,
            self.expected.may_send(role, self.clock.now.date()),
            lambda body, actor, **kw: self.engine.send_referral(
                self.case_id, body, actor=actor, **kw
            ),
            self.expected.send_referral,
            {"agency": agency, "service": service},
        )

    @precondition(lambda self: bool(self.expected.referrals))
    @rule(data=st.data())
    def take_a_referral_step(self, data: st.DataObject) -> None:
        self.clock.advance(hours=1)
        rid = data.draw(st.sampled_from(sorted(self.expected.referrals)))
        referral = self.expected.referrals[rid]
        agency = data.draw(st.sampled_from(AGENCIES))
        here = [s for s in self.current.ref_steps if referral["state"] in s.sources]
        pick = data.draw(st.integers(0, 3))
        if here and pick < 3:  # a step from here by one of its roles: the agency may be wrong
            chosen = data.draw(st.sampled_from(here))
            trigger, role = chosen.trigger, data.draw(st.sampled_from(sorted(chosen.roles)))
            others = sorted(set(AGENCIES) - {referral["agency"]})
            agency = referral["agency"] if pick < 2 else others[0]  # mostly its own agency
        else:
            role = data.draw(st.sampled_from([*self.current.roles, *OUTSIDERS]))
            trigger = data.draw(
                st.sampled_from(sorted({s.trigger for s in self.current.ref_steps}))
            )
        step = self.current.ref_step(referral["state"], trigger)
        self._attempt(
            data,
            step,
            role,
            self.expected.referral_step(rid, trigger, role, agency) is not None,
            lambda body, actor, **kw: self.engine.take_referral_step(
                self.case_id, rid, trigger, body, actor=actor, **kw
            ),
            lambda body, occurred: self.expected.take_referral_step(rid, step, occurred),
            agency=agency,
        )

    def _new(self, trigger: str) -> bool:
        """Whether the step makes progress: it sets a flag not set yet (consent) or leads to a
        state not visited yet that is not the end."""
        step = self.current.step(self.expected.state, trigger)
        if step is None:
            return False
        if set(step.raw.get("sets", [])) - self.expected.flags:
            return True
        ends = {None, self.expected.state, *self.visited, *self.current.terminal}
        return step.dest not in ends

    def _attempt(
        self,
        data: st.DataObject,
        step: Step | None,
        role: str,
        legal: bool,
        command: Any,
        accepted: Any,
        overrides: dict[str, Any] | None = None,
        agency: str = AGENCIES[0],
    ) -> None:
        """Send one command, mostly valid, sometimes with one mistake; the file's verdict must be
        the engine's, and an accepted command moves the case as the file says."""
        now, expected = self.clock.now, self.expected
        fields = step.fields if step is not None else {}
        today = now.astimezone(self.current.time_zone).date()  # the workflow's local day
        body = {**payload(data, fields, today, expected.data), **(overrides or {})}
        mistake = data.draw(st.sampled_from((*[None] * 3 * len(MISTAKES), *MISTAKES)))
        version, occurred = expected.version, now
        if mistake == "role" and step is not None:
            role = data.draw(
                st.sampled_from(
                    [r for r in (*self.current.roles, *OUTSIDERS) if r not in step.roles]
                )
            )
            legal = False
        elif mistake == "stale":
            version = version - 1 if version > 1 else version + 1
        elif mistake == "backdated":
            occurred = expected.last_occurred - timedelta(minutes=1)
        elif mistake is not None:
            spoil(body, fields, mistake)
        ok = legal and valid(fields, body) and version == expected.version
        ok = ok and (step is None or expected.accepts(step, body, occurred.date()))
        ok = ok and (step is None or expected.dates_fit(step, body, occurred))
        ok = ok and occurred >= expected.last_occurred
        actor = Actor(f"user-{role}", role, agency)
        what = f"{step and step.trigger} by {role} ({mistake=}, {legal=})"
        try:
            result = command(body, actor, expected_version=version, occurred_at=occurred)
        except DomainError as refused:
            reason = refused
        else:
            reason = None
        if reason is not None:
            assert not ok, f"{what} was refused: {reason}"
            return
        assert ok, f"{what} was accepted"
        assert step is not None and result.event == step.event
        accepted(body, occurred)
        assert (result.state, result.version) == (expected.state, expected.version)
        self._remember()

    @rule(days=st.integers(1, 40))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    def _held_back_until(self) -> list[date]:
        return sorted(day for day in self.expected.guards.values() if day > self.clock.now.date())

    @precondition(lambda self: bool(self._held_back_until()))
    @rule(data=st.data())
    def time_passes_to_an_earliest_date(self, data: st.DataObject) -> None:
        """To the day a held-back step becomes legal, or the day before: its edge."""
        day = self._held_back_until()[0] - timedelta(days=data.draw(st.integers(0, 1)))
        self.clock.now = max(self.clock.now, datetime.combine(day, time(8), tzinfo=UTC))

    def _newer(self) -> list[Rules]:
        return [r for r in SHIPPED if r.id == self.current.id and r.version > self.current.version]

    @precondition(lambda self: bool(self._newer()))
    @rule()
    def migrate_to_the_next_version(self) -> None:
        target = min(self._newer(), key=lambda r: r.version)
        before = self.engine.case(self.case_id)
        self.clock.advance(hours=1)
        report = self.engine.migrate_cases(
            target.id,
            self.current.version,
            target.version,
            actor=Actor("ops", "admin", "it"),
        )
        if self.expected.state in self.current.terminal:
            assert report.moved == report.refused == ()  # a finished case stays where it is
        elif self.expected.migrate(target):
            assert report.moved == (self.case_id,)
            self._remember()
        else:
            assert [c for c, _ in report.refused] == [self.case_id]
            assert self.engine.case(self.case_id) == before

    # -- what must hold after every command -----------------------------------------------------

    def _remember(self) -> None:
        view = self.engine.case(self.case_id)
        self.seen[view.version] = view
        self.visited.add(view.state)

    @invariant()
    def the_case_is_what_the_file_says(self) -> None:
        if not hasattr(self, "case_id"):
            return
        case, expected, today = self.engine.case(self.case_id), self.expected, self.clock.now.date()
        assert (case.state, case.version) == (expected.state, expected.version)
        assert (case.workflow_version, set(case.flags)) == (expected.rules.version, expected.flags)
        assert {r.id: r.state for r in case.referrals} == {
            rid: r["state"] for rid, r in expected.referrals.items()
        }
        assert {w.trigger: w.earliest_on for w in case.not_yet_allowed} == {
            trigger: day for trigger, day in expected.guards.items() if day > today
        }
        assert {(d.name, d.referral_id): d.due_on for d in case.deadlines} == expected.deadlines
        # only referrals and addressed steps tell agencies apart
        agencies = self._agencies() if expected.referrals or expected.addressed else AGENCIES[:1]
        for role in (*expected.rules.roles, *OUTSIDERS):
            for agency in agencies:
                view = self.engine.case(self.case_id, reader=Actor(f"user-{role}", role, agency))
                offered = {(s.referral_id, s.trigger) for s in view.allowed_steps}
                assert offered == expected.offered(role, agency, today), (role, agency)

    @invariant()
    def every_version_replays_to_what_was_seen(self) -> None:
        if not hasattr(self, "case_id"):
            return
        latest = max(self.seen)
        for version in (1, latest // 2 or 1, latest):
            if version in self.seen:
                assert self.engine.case_at_version(self.case_id, version) == self.seen[version]
        history = self.engine.history(self.case_id)
        assert [h.version for h in history] == list(range(1, latest + 1))


LATEST = {r.id: max(o.version for o in SHIPPED if o.id == r.id) for r in SHIPPED}


def machine_for(rules: Rules) -> type[CaseMachine]:
    """A state machine for one shipped workflow file: 25 sequences for each workflow's latest
    version, where new cases go, and 10 for the versions that only cases pinned to them use."""
    name = f"{rules.id.replace('-', '_')}_v{rules.version}"
    machine = type(f"CaseMachine_{name}", (CaseMachine,), {"RULES": rules})
    machine.TestCase.settings = settings(
        max_examples=examples(25 if rules.version == LATEST[rules.id] else 10),
        stateful_step_count=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    return machine


for _rules in SHIPPED:
    _machine = machine_for(_rules)
    globals()[f"TestRandomSequences_{_machine.__name__.removeprefix('CaseMachine_')}"] = (
        _machine.TestCase
    )
