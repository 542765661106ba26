"""Each read model's status: how far it has folded the log, how far behind it is (in events
and in the age of the oldest event not folded yet), what it parked, and rebuild progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from psycopg import sql

from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.readmodels.discovery import ReadModel


@dataclass(frozen=True)
class Status:
    name: str
    version: int
    active_schema: str | None
    position: int
    head: int
    lag_events: int
    """Events in the log after the position: not folded yet."""
    lag_seconds: float
    """How long ago the oldest event not folded yet was recorded (0 when none)."""
    rebuilding: bool
    rebuild_position: int | None
    parked: int
    """Events parked in the active version: it could not fold them and went on."""
    stale: bool
    """Behind the log (events not folded yet), or a new version waiting to be built."""


class Source(Protocol):
    """What a status read uses of the read-model engine (`engine.Projections`)."""

    models: dict[str, ReadModel]
    events: sql.Identifier
    decode: Decoder

    def head(self) -> int: ...

    def _connect(self) -> Any: ...

    def _registry(
        self, name: str, conn: psycopg.Connection[Any] | None = None
    ) -> dict[str, Any]: ...

    def _position(self, conn: psycopg.Connection[Any], schema: str) -> int: ...


def statuses(p: Source) -> list[Status]:
    """Every read model's status."""
    attempts = 3
    while True:
        attempts -= 1
        head = p.head()
        try:
            with p._connect() as conn:
                parked = parking.counts(conn)
                return [_status(p, conn, n, model, head, parked) for n, model in p.models.items()]
        except psycopg.errors.UndefinedTable:
            # a rebuild switched and dropped the schema the registry had just named: read
            # the registry again (a status request must not fail because a rebuild ended)
            if not attempts:
                raise


def _status(
    p: Source,
    conn: psycopg.Connection[Any],
    name: str,
    model: ReadModel,
    head: int,
    parked: dict[str, int],
) -> Status:
    reg = p._registry(name, conn)
    position = p._position(conn, reg["active_schema"]) if reg["active_schema"] else 0
    building = reg["building_schema"]
    waiting = reg["active_version"] not in (None, model.version)
    return Status(
        name=name,
        version=model.version,
        active_schema=reg["active_schema"],
        position=position,
        head=head,
        lag_events=max(head - position, 0),
        lag_seconds=_lag_seconds(p, conn, position, head),
        rebuilding=building is not None,
        rebuild_position=p._position(conn, building) if building else None,
        parked=parked.get(reg["active_schema"], 0),
        stale=waiting or position < head,
    )


def _lag_seconds(p: Source, conn: psycopg.Connection[Any], position: int, head: int) -> float:
    """The age of the oldest event not folded yet."""
    if position >= head:
        return 0.0
    row = conn.execute(
        sql.SQL(
            "select state from {} where notification_id > %s order by notification_id limit 1"
        ).format(p.events),
        [position],
    ).fetchone()
    if row is None:
        return 0.0
    try:
        recorded: datetime = p.decode.recorded_at(row[0])
    except Exception:  # an event that cannot be decoded: it will be parked, not waited for
        return 0.0
    return max((datetime.now(UTC) - recorded).total_seconds(), 0.0)
