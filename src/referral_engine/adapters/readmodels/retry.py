"""Folding parked events again after a fix, in log order: by a blue/green rebuild.

A handler folds one event at a time into rows that later events changed since (a state set,
a row deleted, a first value kept), so folding a parked event now, out of order, could undo
what the events after it did. A rebuild meets every event again in log order: the parked ones
that now fold are folded where they belong, those that still fail are parked again (keeping when
they were first seen), and the switch forgets what the old version had parked. A trial first
folds each parked event alone into the active version and rolls it back, so a retry before
any fix costs no rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.readmodels.discovery import ReadModel
from referral_engine.adapters.readmodels.parking import Parked
from referral_engine.adapters.readmodels.sql import write


class Source(Protocol):
    """What a retry uses of the read-model engine (`engine.Projections`)."""

    models: dict[str, ReadModel]

    def decoder(self, models: list[ReadModel]) -> Decoder: ...

    def parked(self, name: str | None = None, position: int | None = None) -> list[Parked]: ...

    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None) -> str: ...

    def active_schema(self, conn: psycopg.Connection[Any], name: str) -> str: ...

    def _connect(self) -> Any: ...

    def _fetch(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]: ...


@dataclass(frozen=True)
class Retried:
    """What a retry did: the positions folded now, and what is still parked."""

    refolded: list[int]
    still_parked: list[Parked]
    rebuilt: bool


def retry(p: Source, name: str, position: int | None = None) -> Retried:
    """Rebuild the read model if a parked event (the one at `position`, if given) now folds."""
    before = p.parked(name)
    tried = [x for x in before if position is None or x.position == position]
    if not any(folds_now(p, name, x.position) for x in tried):
        return Retried([], before, rebuilt=False)
    p.rebuild(name)
    after = p.parked(name)
    still = {x.position for x in after}
    return Retried(sorted(x.position for x in before if x.position not in still), after, True)


def folds_now(p: Source, name: str, position: int) -> bool:
    """Whether the event at `position` decodes, folds and is written now (rolled back)."""
    model = p.models[name]
    with p._connect() as conn:
        rows = p._fetch(conn, position - 1, 1)
        events, failed = parking.decoded_batch(p.decoder([model]), rows)
        events = model.seen(events)
        changes, _, unfolded = parking.folded(model.handle, events)
        if failed or unfolded or not rows or rows[0][0] != position:
            return False
        try:
            with conn.transaction():
                schema = p.active_schema(conn, name)
                info: dict[str, Any] = {}
                refused = parking.written(
                    conn, model.handle, events, changes, lambda c: write(conn, schema, c, info)
                )
                raise _Trial(not refused)  # rolled back: the rebuild folds it in its place
        except _Trial as trial:
            return trial.folds


class _Trial(Exception):
    def __init__(self, folds: bool) -> None:
        self.folds = folds
