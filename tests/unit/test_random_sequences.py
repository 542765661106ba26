"""Random legal and illegal command sequences against every shipped workflow version (hypothesis).

Illegal steps (too early ones included: time passes by whole days) are refused with no event
written; legal steps move exactly as the file says; a case may be migrated to a newer version of
its workflow midway; replaying the case at every version gives back the view seen right after
that command.
"""

from __future__ import annotations

from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import DomainError
from referral_engine.domain.views import CaseView
from referral_engine.domain.workflow import PREVIOUS, WorkflowDefinition
from referral_engine.engine import Engine
from referral_engine.workflows import WorkflowRegistry
from tests.factories import WORKFLOWS, FixedClock, data_for

REGISTRY = WorkflowRegistry.from_directory(WORKFLOWS)
AGENCIES = ("shelter-kyiv", "clinic-kyiv")


def roles_of(workflow: WorkflowDefinition) -> list[str]:
    return sorted(workflow.roles)


class CaseMachine(RuleBasedStateMachine):
    """One case per run, driven by random triggers from random roles and agencies."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.engine: Engine = build_in_memory(clock=self.clock)
        self.seen: dict[int, CaseView] = {}

    @initialize(workflow=st.sampled_from([(w.id, w.version) for w in REGISTRY]))
    def open(self, workflow: tuple[str, int]) -> None:
        self.workflow = REGISTRY.get(*workflow)
        role = sorted(self.workflow.opening.roles)[0]
        # an engine that knows only this version opens the case under it
        opener = Engine(self.engine.store, WorkflowRegistry([self.workflow]), self.clock)
        result = opener.open_case(
            self.workflow.id,
            "Kyivska",
            data_for(self.workflow.opening),
            actor=Actor("opener", role, "agency"),
        )
        self.case_id: UUID = result.case_id
        self._remember()

    def _remember(self) -> None:
        view = self.engine.case(self.case_id)
        self.seen[view.version] = view

    def _moves(self, state: str, trigger: str) -> bool:
        spec = self.workflow.guard.step(state, trigger)
        return spec is not None and spec.dest not in (None, state)

    def _view_for(self, role: str) -> CaseView:
        return self.engine.case(self.case_id, reader=Actor(f"user-{role}", role, AGENCIES[0]))

    def _actor(self, data: st.DataObject) -> Actor:
        role = data.draw(st.sampled_from(roles_of(self.workflow)))
        return Actor(f"user-{role}", role, data.draw(st.sampled_from(AGENCIES)))

    @rule(data=st.data())
    def take_a_case_step(self, data: st.DataObject) -> None:
        case_triggers = {t.trigger for t in self.workflow.transitions}
        by_role = {
            role: sorted(
                {s.trigger for s in self._view_for(role).allowed_steps if s.referral_id is None}
                & case_triggers
            )
            for role in roles_of(self.workflow)
        }
        state = self.engine.case(self.case_id).state
        choices = by_role
        if data.draw(st.booleans()):  # half of the time only steps that move the case on
            choices = {
                role: [t for t in triggers if self._moves(state, t)]
                for role, triggers in by_role.items()
            }
        movers = [role for role, triggers in choices.items() if triggers]
        if movers and data.draw(st.integers(0, 3)) > 0:  # mostly legal moves, to go deep
            role = data.draw(st.sampled_from(movers))
            trigger = data.draw(st.sampled_from(choices[role]))
        else:
            role = data.draw(st.sampled_from(roles_of(self.workflow)))
            trigger = data.draw(st.sampled_from(sorted(case_triggers)))
        actor = Actor(f"user-{role}", role, data.draw(st.sampled_from(AGENCIES)))
        before = self.engine.case(self.case_id, reader=actor)
        legal = trigger in by_role[role]
        spec = self.workflow.guard.step(before.state, trigger)
        self.clock.advance(hours=1)
        step_data = data_for(spec) if spec is not None else {}
        try:
            result = self.engine.take_step(
                self.case_id, trigger, step_data, actor=actor, expected_version=before.version
            )
        except DomainError:
            assert not legal, f"{trigger} by {actor.role} was offered but refused"
            assert self.engine.case(self.case_id).version == before.version
            return
        assert legal and spec is not None
        expected = before.state if spec.dest is None else spec.dest
        if spec.dest == PREVIOUS:
            expected = self._previous_state()
        assert (result.state, result.version) == (expected, before.version + 1)
        self._remember()

    def _previous_state(self) -> str:
        history = self.engine.history(self.case_id)
        moves = [h for h in history[:-1] if h.referral_id is None and h.to_state != h.from_state]
        return moves[-1].from_state or ""

    @rule(data=st.data())
    def send_a_referral(self, data: st.DataObject) -> None:
        referrals = self.workflow.referrals
        if referrals is None:
            return
        actor = self._actor(data)
        before = self.engine.case(self.case_id, reader=actor)
        legal = referrals.send.trigger in {s.trigger for s in before.allowed_steps}
        payload = data_for(referrals.send, agency=data.draw(st.sampled_from(AGENCIES)))
        self.clock.advance(hours=1)
        try:
            self.engine.send_referral(
                self.case_id, payload, actor=actor, expected_version=before.version
            )
        except DomainError:
            assert not legal
            assert self.engine.case(self.case_id).version == before.version
            return
        assert legal
        self._remember()

    @rule(data=st.data())
    def take_a_referral_step(self, data: st.DataObject) -> None:
        referrals = self.workflow.referrals
        case = self.engine.case(self.case_id)
        if referrals is None or not case.referrals:
            return
        referral = data.draw(st.sampled_from(case.referrals))
        actor = self._actor(data)
        if data.draw(st.booleans()):  # the receiving agency itself, half of the time
            actor = Actor(actor.user_id, actor.role, referral.agency)
        before = self.engine.case(self.case_id, reader=actor)
        offered = {(s.referral_id, s.trigger) for s in before.allowed_steps}
        mine = sorted(t for r, t in offered if r == referral.id)
        if mine and data.draw(st.booleans()):
            trigger = data.draw(st.sampled_from(mine))
        else:
            trigger = data.draw(st.sampled_from(sorted({t.trigger for t in referrals.transitions})))
        spec = referrals.guard.step(referral.state, trigger)
        self.clock.advance(hours=1)
        try:
            self.engine.take_referral_step(
                self.case_id,
                referral.id,
                trigger,
                data_for(spec) if spec else {},
                actor=actor,
                expected_version=before.version,
            )
        except DomainError:
            assert (referral.id, trigger) not in offered
            assert self.engine.case(self.case_id).version == before.version
            return
        assert (referral.id, trigger) in offered
        self._remember()

    @rule(days=st.integers(1, 40))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @rule()
    def migrate_to_the_next_version(self) -> None:
        newer = [
            w for w in REGISTRY if w.id == self.workflow.id and w.version > self.workflow.version
        ]
        if not newer:
            return
        before = self.engine.case(self.case_id)
        self.clock.advance(hours=1)
        report = self.engine.migrate_cases(
            self.workflow.id,
            self.workflow.version,
            newer[0].version,
            actor=Actor("ops", "admin", "operations"),
        )
        after = self.engine.case(self.case_id)
        if self.case_id not in report.moved:  # a terminal state: the case stays where it is
            assert after == before and self.workflow.states[before.state].terminal
            return
        assert (after.version, after.workflow_version) == (before.version + 1, newer[0].version)
        assert after.state == before.state  # shipped versions keep every state's name
        self.workflow = newer[0]
        self._remember()

    @invariant()
    def every_version_replays_to_what_was_seen(self) -> None:
        if not hasattr(self, "case_id"):
            return
        latest = max(self.seen)
        for version in (1, latest // 2 or 1, latest):
            replayed = self.engine.case_at_version(self.case_id, version)
            assert replayed == self.seen[version]
        history = self.engine.history(self.case_id)
        assert [h.version for h in history] == list(range(1, latest + 1))


CaseMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRandomSequences = CaseMachine.TestCase
