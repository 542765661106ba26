"""What the application needs from the outside, as protocols: the adapters implement them and
`bootstrap.build` wires them in, so the application imports no adapter."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import ApplicationRecorder, EventStore, Recording

from referral_engine.domain.agencies import AgencyView
from referral_engine.domain.case import Case


@dataclass(frozen=True)
class AuditNote:
    """A command's audit entry, handed in with the command: the store writes it in the same
    transaction as the command's events, so no crash leaves a step without its entry (or an
    entry without its step). `case_id` and `region` are the engine's to fill."""

    action: str
    method: str
    path: str
    status: int
    user_name: str | None = None
    role: str | None = None
    agency: str | None = None
    address: str | None = None
    detail: Mapping[str, Any] | None = None
    channel: str = "http"
    os_user: str | None = None
    case_id: UUID | None = None
    region: str | None = None

    def about(self, case_id: UUID, region: str) -> AuditNote:
        """The note of the case the command acted on, where that case lies."""
        return replace(self, case_id=case_id, region=region)


class CaseKeys(Protocol):
    """Where case keys live: `key` returns None once the case's key is destroyed."""

    def key(self, case_id: UUID, *, create: bool = False) -> bytes | None: ...

    def prepare(self, case_ids: Sequence[UUID]) -> None:
        """Create the keys of many new cases at once (an import's batch)."""

    def warm(self, case_ids: Sequence[UUID]) -> None:
        """Read the keys of many cases at once, ahead of decoding their events."""

    def destroy(self, case_id: UUID) -> bool: ...

    def forget(self, case_id: UUID) -> None: ...


@dataclass(frozen=True)
class StreamAt:
    """A case's stream read for a fold up to one version (`CaseStore.stream_at`)."""

    last: int
    """The stream's last version."""
    erasure: Case.PersonalDataErased | None
    """The stream's erasure event, if it records one (then `kept` is always None)."""
    kept: Case | None
    """A fold of the stream kept at a version at or below the one asked (a snapshot), if any:
    the caller's own copy, to fold further."""
    events: list[Any]
    """The events after `kept` (from the first without it) up to the version asked."""


class CaseStore(Protocol):
    """The event store holding every case's stream (an eventsourcing application)."""

    @property
    def repository(self) -> Repository[UUID]: ...

    @property
    def events(self) -> EventStore[UUID]: ...

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def keys(self) -> CaseKeys: ...

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]: ...

    def append(self, events: Sequence[Any]) -> None:
        """Store new cases' events in one transaction (IntegrityError if any exists)."""

    def known(self, case_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these cases exist (one query for a batch)."""

    def imported(self, case_ids: Sequence[UUID]) -> dict[UUID, tuple[bool, Any]]:
        """Of these cases, those that exist: whether erased, and their `CaseImported` event."""

    def streams(self, case_ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
        """These cases' events, each case's in order (one query for a batch)."""

    def readable_streams(
        self, case_ids: Sequence[UUID]
    ) -> tuple[dict[UUID, list[Any]], dict[UUID, str]]:
        """As `streams`, leaving out each case one of whose events cannot be decoded, named
        with which event (a failure of the database still raises)."""

    def stream_at(self, case_id: UUID, upto: int) -> StreamAt | None:
        """What a fold of the case up to version `upto` needs, in one read (None: no case)."""

    def keep(self, case: Case) -> None:
        """Keep `case`, folded up to its version, for later replays (sealed with its key);
        a failure is logged, never raised: it only leaves the next replay longer."""

    def document(self, case_id: UUID, document_id: UUID) -> bytes | None:
        """An uploaded document's bytes (None: erased with the case's key, or never stored);
        `save(case, documents=[(id, bytes)])` stores them with the case's new events."""

    def close(self) -> None: ...


class AgencyStore(Protocol):
    """The event store holding every registered agency's stream, apart from the cases."""

    @property
    def repository(self) -> Repository[UUID]: ...

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def events(self) -> EventStore[UUID]: ...

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]: ...

    def ids(self) -> list[UUID]:
        """Every agency's stream id, in the order they were registered."""

    def close(self) -> None: ...


class AgencyDirectory(Protocol):
    """What case commands and pages read of the agency registry (`Agencies` provides it)."""

    def get(self, slug: str, version: int | None = None) -> AgencyView:
        """The agency (AgencyNotFound when it is not registered)."""

    def listed(
        self, *, kind: str | None = None, service: str | None = None, region: str | None = None
    ) -> list[AgencyView]:
        """Registered agencies, by id, of this kind, offering this service, serving this region."""

    def close_matches(self, slug: str, n: int = 3) -> list[str]:
        """Registered ids that look like `slug`."""


class ReadModels(Protocol):
    """The read models' named queries and the dashboards they declare."""

    def query(self, name: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]: ...

    def dashboards(self) -> dict[str, Any]: ...


class EventLog(Protocol):
    """The log of every case event, in commit order (its positions are the feed's)."""

    def after(self, position: int, limit: int) -> list[tuple[int, UUID, int]]:
        """Up to `limit` entries after `position`: (position, case id, case version)."""


class WebhookStore(Protocol):
    """Webhook subscriptions (their secrets sealed) and their deliveries."""

    def add(self, subscription: Any, secret: bytes) -> Any:
        """Store a new subscription (a `domain.webhooks.Subscription`) and its secret; it
        gets the events the outbox has not fanned out yet."""

    def listed(self) -> list[Any]: ...

    def get(self, subscription_id: UUID) -> Any | None: ...

    def rotate(self, subscription_id: UUID, secret: bytes, overlap: Any) -> Any | None:
        """Its new secret; the one before it also signs for `overlap` (a timedelta)."""

    def end(self, subscription_id: UUID, at: Any) -> Any | None:
        """End a subscription, once no batch of its deliveries is being sent: nothing more is
        sent to it (its undelivered deliveries stay listed, never sent)."""

    def deliveries(self, subscription_id: UUID, state: str | None, limit: int) -> list[Any]: ...

    def redeliver(self, subscription_id: UUID, delivery: str | None) -> int:
        """Send a delivery (or every parked one) again, from its first attempt: how many."""

    def counts(self, subscription_id: UUID) -> dict[str, int]:
        """How many of its deliveries are in each state."""


class UserDirectory(Protocol):
    """The users the demo seeds: created once, then given a fresh token and password."""

    @property
    def known_roles(self) -> set[str]: ...

    def get(self, name: str) -> object | None: ...

    def add(self, name: str, role: str, agency: str, regions: list[str]) -> object: ...

    def revoke_all(self, name: str) -> int: ...

    def set_password(self, name: str, password: str) -> None: ...

    def issue_token(self, name: str, label: str = "") -> str: ...


_pauses = 0
_resume = False
_pausing = threading.Lock()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch of events is decoded: the batch's many
    small containers live to its end, and the collector's repeated scans of them cost more
    than the decoding itself (measured: 17 against 5 us per event for a 34k-event batch).

    The collector is one per process and threads pause it together: it is switched off by the
    first pause and on again by the last one to end (each reading and setting it on its own,
    a pause beginning while another ended could leave it off for good, reproduced)."""
    global _pauses, _resume
    with _pausing:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pausing:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
