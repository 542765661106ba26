"""Reading cases: now, at a version, as of a time, their history; as far as a reader's reach
sees them. The engine's commands (`engine.py`) build on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import reduce, wraps
from typing import Any, ParamSpec, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from referral_engine.application.ports import CaseStore, StreamAt, paused_gc
from referral_engine.domain.access import WHOLE, Scope, Sight, sight
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import CaseNotFound, FieldProblem, InvalidData
from referral_engine.domain.markers import erase
from referral_engine.domain.personal import history_within_sight, within_sight
from referral_engine.domain.views import CaseView, HistoryEntry
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

Clock = Callable[[], datetime]
P = ParamSpec("P")
R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(UTC)


def mutated(case: Any, events: Iterable[Any]) -> Any:
    """A case with `events` applied: eventsourcing's `project_aggregate` without its check of
    each event against a runtime protocol (`isinstance` rebuilds the protocol's attributes on
    every call: 4 % of a command's time at 4 clients, measured). Every event of a case's stream
    is one of the domain's, which all mutate."""
    for event in events:
        case = event.mutate(case)
    return case


def _gc_paused(read: Callable[P, R]) -> Callable[P, R]:
    """A read of a whole stream with the cyclic collector paused (`ports.paused_gc`) until it
    has returned: decoding allocates many short-lived containers, and the collector, resumed
    while the read still held its events, scanned them all once more (13 % of a 200-event
    replay, measured); resumed after the read's frame is gone, it finds them freed."""

    @wraps(read)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return read(*args, **kwargs)

    return paused


@dataclass(frozen=True)
class CaseHistory:
    """A case's history with where the case lies and the workflow version it runs under."""

    region: str
    workflow: WorkflowDefinition
    entries: list[HistoryEntry]
    sight: Sight = WHOLE
    """How much of the case the reader sees (domain/access.py)."""


class CaseReader:
    """Read a case now, at a version, as of a time, and its history."""

    keep_every = 100
    """A replay keeps the case's fold at each multiple of this many versions it passes."""

    def __init__(self, store: CaseStore, workflows: WorkflowRegistry, clock: Clock = utc_now):
        self.store = store
        self.workflows = workflows
        self.clock = clock

    # -- queries --------------------------------------------------------------------------------

    def case(
        self, case_id: UUID, *, reader: Actor | None = None, scope: Scope | None = None
    ) -> CaseView:
        """The case now (as far as `scope` sees it), with the steps `reader` may take next."""
        case = self._get(case_id)
        return self._within(case, self._view(case, reader), self._sight(case, scope))

    @_gc_paused
    def case_at_version(
        self,
        case_id: UUID,
        version: int,
        *,
        reader: Actor | None = None,
        scope: Scope | None = None,
    ) -> CaseView:
        """The case as it was right after event number `version`: folded from the last fold
        kept at or below it (a snapshot) when there is one, keeping one on the way every
        `keep_every` versions (a long case's replay then reads its last events only)."""
        seen = WHOLE
        if scope is not None:  # judged on the case now, before anything else is told
            seen = self._sight(self._get(case_id, scope), scope)
        stream = self.store.stream_at(case_id, version)
        if stream is None:
            raise CaseNotFound(case_id)
        if not 1 <= version <= stream.last:
            problem = f"must be between 1 and {stream.last}, the case's current version"
            raise InvalidData([FieldProblem("version", problem)])
        case = self._folded(stream)
        return self._within(case, self._view(case, reader, today=case.modified_on), seen)

    @_gc_paused
    def case_as_of(
        self,
        case_id: UUID,
        as_of: datetime,
        *,
        reader: Actor | None = None,
        scope: Scope | None = None,
    ) -> CaseView:
        """The case as the system knew it at `as_of` (by recording time)."""
        if as_of.tzinfo is None:
            raise InvalidData([FieldProblem("as_of", "must include a time zone")])
        every, _, seen = self._events(case_id, scope)
        events = [e for e in every if e.timestamp <= as_of]
        if not events:
            detail = f"case {case_id} did not exist yet at {as_of.isoformat()}"
            raise CaseNotFound(case_id, detail, region=every[0].region)
        case = project(events, erasure=erasure_of(every))
        return self._within(case, self._view(case, reader, today=as_of), seen)

    def history(self, case_id: UUID, *, scope: Scope | None = None) -> list[HistoryEntry]:
        """Every event of the case: who did what, when it happened and when it was recorded."""
        return self.case_history(case_id, scope=scope).entries

    @_gc_paused
    def case_history(self, case_id: UUID, *, scope: Scope | None = None) -> CaseHistory:
        """The case's history, region and workflow version, from one read of its events."""
        events, now, seen = self._events(case_id, scope)
        case = now if now is not None else project(events)
        entries: list[HistoryEntry] = []
        for event in events:
            entries.append(HistoryEntry.of(event, entries[-1].to_state if entries else None))
        erasure = erasure_of(events)
        if erasure is not None:  # erased everywhere, even where a key was still cached
            personal = dict.fromkeys(erasure.fields, frozenset[str]())
            entries = [replace(e, data=erase(e.data, personal)) for e in entries]
        workflow = self._workflow(case)
        entries = history_within_sight(entries, seen, workflow)
        return CaseHistory(case.region, workflow, entries, seen)

    def workflow_of(self, case_id: UUID, *, scope: Scope | None = None) -> WorkflowDefinition:
        """The workflow version the case runs under."""
        return self._workflow(self._get(case_id, scope))

    # -- plumbing -------------------------------------------------------------------------------

    def _get(self, case_id: UUID, scope: Scope | None = None) -> Case:
        """The case, if it exists and `scope` reaches it (else not found: existence must not
        leak; the region is kept for the audit log only)."""
        try:
            case: Case = self.store.repository.get(case_id, projector_func=mutated)
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        self._sight(case, scope)
        return case

    def _cached(self, case_id: UUID, version: int) -> Case | None:
        """A copy of the case this process's cache holds, if it holds it at exactly `version`
        (read under the lock the repository fast-forwards it under)."""
        repository = self.store.repository
        cache = repository.cache
        if cache is None:
            return None
        with _fastforwarding(repository, case_id):
            try:
                case = cast(Case, cache.get(case_id))
            except KeyError:
                return None
            return deepcopy(case) if case.version == version else None

    def _remember(self, case: Case) -> None:
        """Keep `case`, just saved, as the cache's copy unless it holds a newer one: the
        repository caches a case as it was read and fast-forwards it at the next read, so the
        case a command had just written was always one version behind (`_cached`)."""
        repository = self.store.repository
        cache = repository.cache
        if cache is None:
            return
        with _fastforwarding(repository, case.id):
            try:
                held = cast(Case, cache.get(case.id))
            except KeyError:
                pass
            else:
                if held.version >= case.version:
                    return
            cache.put(case.id, case)

    def _sight(self, case: Case, scope: Scope | None) -> Sight:
        """How much of the case `scope` sees; not found when it lies outside its reach."""
        if scope is None:
            return WHOLE
        workflow = self._workflow(case)
        seen = sight(workflow.access, case, scope, workflow.transfer_answerers)
        if seen is None:
            raise CaseNotFound(case.id, region=case.region)
        return seen

    def _events(
        self, case_id: UUID, scope: Scope | None = None
    ) -> tuple[list[Any], Case | None, Sight]:
        """The case's events, the case now where it was folded to judge `scope` (None when no
        scope asked for it), and how much of it `scope` sees (judged on the case now)."""
        events: list[Any] = list(self.store.events.get(case_id))
        if not events:
            raise CaseNotFound(case_id)
        if scope is None:
            return events, None, WHOLE
        now = project(events)
        return events, now, self._sight(now, scope)

    def _folded(self, stream: StreamAt) -> Case:
        """The stream folded from its kept fold (if any) through its events, keeping the fold
        at each multiple of `keep_every` passed on the way."""
        if stream.erasure is not None:
            return project(stream.events, erasure=stream.erasure)
        case: Any = stream.kept
        every = self.keep_every
        for event in stream.events:
            case = event.mutate(case)
            if case.version % every == 0:
                self.store.keep(case)
        return cast(Case, case)

    def _workflow(self, case: Case) -> WorkflowDefinition:
        return self.workflows.get(case.workflow_id, case.workflow_version)

    def _within(self, case: Case, view: CaseView, seen: Sight) -> CaseView:
        return within_sight(view, seen, self._workflow(case))

    def _view(self, case: Case, reader: Actor | None, today: datetime | None = None) -> CaseView:
        """Deadlines are judged as of `today`: now, or the moment a past view is taken at."""
        return CaseView.of(case, self._workflow(case), reader, (today or self.clock()).date())


@contextmanager
def _fastforwarding(repository: Any, case_id: UUID) -> Iterator[None]:
    """The lock under which eventsourcing's repository fast-forwards its cached copy of a case
    in place (tests/integration/test_eventsourcing_contract.py pins these private methods)."""
    lock = repository._use_fastforward_lock(case_id)
    try:
        with lock:
            yield
    finally:
        repository._disuse_fastforward_lock(case_id)


def project(events: list[Any], erasure: Case.PersonalDataErased | None = None) -> Case:
    """Fold events into a case without running any rule (replay never re-decides). A past
    view of an erased case is erased too (`erasure`, recorded later than the view's events):
    the personal data is gone now, whichever moment of the case is shown, even where this
    process still held the case's key when the erasure committed elsewhere."""
    case: Case = reduce(lambda agg, event: event.mutate(agg), events, None)
    if erasure is not None and not case.erased:
        erasure.apply(case)
    return case


def erasure_of(events: list[Any]) -> Case.PersonalDataErased | None:
    """The erasure the case's stream records, if any."""
    return next((e for e in events if isinstance(e, Case.PersonalDataErased)), None)
