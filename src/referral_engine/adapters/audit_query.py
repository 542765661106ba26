"""Reading the audit log a page at a time: what its readers filter by, and keyset pages ordered
by (at, id), newest or oldest first, each an index range scan whatever the log's size.

A page continues past the last entry of the one before (its `Cursor`), never at an offset, so
reading page 1,000 costs what reading page 1 does. Every filter has an index that serves it in
that order (audit_chain.TABLE): all regions walk `(at, id)`, a region `(region, at, id)`, an
action `(action, at, id)`, a user `(user_name, at)`, a case `(case_id, at)`. A reader of some
regions reads each region's index in order, one branch each, and merges them, so that a rare
region among busy ones is read as quickly as a busy one; a user or a case leads instead where
asked for (fewer entries than any region). Measured at 1,000,000 entries: bench/audit_log.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import sql

from referral_engine.adapters.audit_chain import COLUMNS

SHOWN = ("id", *COLUMNS[:-2], "detail", *COLUMNS[-2:])
"""The columns of an `AuditEntry`, in its order."""
CASE_PREFIX = re.compile(r"^[0-9a-f]{4,32}$")
"""A case reference as the pages show it (the case id's first 8 digits) or any start of the case
id from 4 hexadecimal digits on (dashes left out): 4 digits name one case in 65,536."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TOKEN = re.compile(r"^([0-9]{1,17})\.([0-9]{1,18})$")


@dataclass(frozen=True)
class AuditFilter:
    """What a reader asks of the log: entries for which every given condition holds."""

    since: datetime | None = None
    """Recorded at or after this moment."""
    until: datetime | None = None
    """Recorded before this moment (the end of a period, not in it)."""
    user_name: str | None = None
    action: str | None = None
    case: str | None = None
    """The start of the case id: hexadecimal digits, lower case, without dashes (`case_prefix`)."""
    regions: frozenset[str] | None = None
    """Filed under one of these regions; None: any region, and entries filed under none."""


def case_prefix(text: str) -> str | None:
    """The start of a case id as typed (a reference, a whole id, with or without dashes, any
    case) made a filter's `case`; None when it is no start of a case id."""
    digits = text.strip().lower().replace("-", "")
    return digits if CASE_PREFIX.match(digits) else None


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the time and id of its last entry (the order of the log's pages)."""

    at: datetime
    id: int

    @classmethod
    def of(cls, entry: Any) -> Cursor:
        return cls(entry.at, entry.id)

    def token(self) -> str:
        """The cursor as an address carries it: microseconds since 1970, a dot, the id."""
        return f"{(self.at - EPOCH) // timedelta(microseconds=1)}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor a `token` wrote; None for any other text."""
        found = TOKEN.match(text)
        if found is None:
            return None
        try:
            at = EPOCH + timedelta(microseconds=int(found.group(1)))
        except OverflowError:
            return None
        return cls(at, int(found.group(2)))


def select(
    schema: str, wanted: AuditFilter, *, past: Cursor | None, newest_first: bool, limit: int
) -> tuple[sql.Composed, dict[str, Any]]:
    """The statement and parameters of up to `limit` entries matching `wanted`, in the order
    asked, starting after `past` in that order. Run it unprepared (`prepare=False`): each run is
    then planned for its own values, a rare region or action by its own statistics."""
    conditions, params = _conditions(wanted)
    if past is not None:
        beyond = "<" if newest_first else ">"
        conditions.append(sql.SQL(f"(a.at, a.id) {beyond} (%(past_at)s, %(past_id)s)"))
        params |= {"past_at": past.at, "past_id": past.id}
    params["limit"] = limit
    order = sql.SQL("desc" if newest_first else "asc")
    if wanted.regions is None or wanted.user_name is not None or wanted.case is not None:
        if wanted.regions is not None:  # a user's or a case's index leads: few entries each
            conditions.append(sql.SQL("a.region = any(%(regions)s::text[])"))
            params["regions"] = sorted(wanted.regions)
        return _page(schema, conditions, order), params
    # one region's index each, merged: a rare region is read as quickly as a busy one
    branches = []
    for n, region in enumerate(sorted(wanted.regions)):
        params[f"region{n}"] = region
        where = [sql.SQL(f"a.region = %(region{n})s"), *conditions]
        branches.append(sql.SQL("({})").format(_page(schema, where, order)))
    if not branches:
        return _page(schema, [sql.SQL("false")], order), params
    merged = sql.SQL(
        "select * from ({branches}) a order by a.at {order}, a.id {order} limit %(limit)s"
    ).format(branches=sql.SQL(" union all ").join(branches), order=order)
    return merged, params


def _page(schema: str, conditions: list[sql.Composable], order: sql.SQL) -> sql.Composed:
    return sql.SQL(
        "select {columns} from {table} a where {conditions} "
        "order by a.at {order}, a.id {order} limit %(limit)s"
    ).format(
        columns=sql.SQL(", ").join(sql.Identifier("a", c) for c in SHOWN),
        table=sql.Identifier(schema, "audit_log"),
        conditions=sql.SQL(" and ").join(conditions) if conditions else sql.SQL("true"),
        order=order,
    )


def _conditions(wanted: AuditFilter) -> tuple[list[sql.Composable], dict[str, Any]]:
    """The where clause's conditions for the filters given but the regions (only those: each
    filter left out leaves the planner a plain index range, not an `is null or` it cannot see
    through)."""
    conditions: list[sql.Composable] = []
    params: dict[str, Any] = {}
    if wanted.since is not None:
        conditions.append(sql.SQL("a.at >= %(since)s"))
        params["since"] = wanted.since
    if wanted.until is not None:
        conditions.append(sql.SQL("a.at < %(until)s"))
        params["until"] = wanted.until
    if wanted.user_name is not None:
        conditions.append(sql.SQL("a.user_name = %(user)s"))
        params["user"] = wanted.user_name
    if wanted.action is not None:
        conditions.append(sql.SQL("a.action = %(action)s"))
        params["action"] = wanted.action
    if wanted.case is not None:
        conditions.append(sql.SQL("a.case_id between %(case_low)s::uuid and %(case_high)s::uuid"))
        params["case_low"] = wanted.case.ljust(32, "0")
        params["case_high"] = wanted.case.ljust(32, "f")
    return conditions, params
