"""The users notices go to, read from the users table (adapters/security.py keeps it), in the
worker's own transaction and remembered for one round: a batch asks about the same few regions
again and again."""

from __future__ import annotations

from typing import Any

import psycopg

from referral_engine.application.notifications import Recipient

COLUMNS = "id, name, role, agency, regions, email"


class RoundDirectory:
    """Active users by region and by name, as of the round's first question."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self._regions: dict[str, list[Recipient]] = {}
        self._names: dict[str, Recipient | None] = {}

    def in_region(self, region: str) -> list[Recipient]:
        """Every active user whose regions cover `region` (or all regions)."""
        found = self._regions.get(region)
        if found is None:
            rows = self.conn.execute(
                f"select {COLUMNS} from users where disabled_at is null "
                "and (%s = any(regions) or '*' = any(regions)) order by name",
                [region],
            ).fetchall()
            found = self._regions[region] = [_recipient(r) for r in rows]
        return found

    def named(self, name: str) -> Recipient | None:
        """The active user of this name, if any."""
        if name not in self._names:
            row = self.conn.execute(
                f"select {COLUMNS} from users where disabled_at is null and name = %s", [name]
            ).fetchone()
            self._names[name] = None if row is None else _recipient(row)
        return self._names[name]


def _recipient(row: Any) -> Recipient:
    return Recipient(row[0], row[1], row[2], row[3], tuple(row[4]), row[5])
