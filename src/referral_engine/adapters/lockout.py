"""Limits on guessing, counted in PostgreSQL so that every API process shares them.

Two counters, each a row of `sign_in_failures`:

- per account (the name tried, whether or not such a user exists, so a lock tells nothing of
  existence): after `account_failures` wrong passwords the account is locked, and each further
  failure doubles the lock, up to `lock_max_seconds`, from whatever address the guesses come.
  A locked account's password is not even checked. A correct password clears the count; a
  quiet period of `forget_seconds` forgets it.
- per address: failures of any kind (unknown names, wrong passwords, bad or expired tokens) in
  a window of `address_window_seconds`. Past `address_failures`, the address's failures are
  answered 429 instead of 401; a correct credential from it is still accepted, so nobody
  behind a shared address is locked out by someone else's guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from referral_engine.adapters.database import Database
from referral_engine.config import Settings

SCHEMA = (
    """create table if not exists sign_in_failures (
        kind text not null,
        key text not null,
        failures int not null,
        first_at timestamptz not null,
        last_at timestamptz not null,
        locked_until timestamptz,
        primary key (kind, key))""",
    "create index if not exists sign_in_failures_last on sign_in_failures (last_at)",
)
ACCOUNT, ADDRESS = "account", "address"

_COUNT = """
    insert into sign_in_failures as f (kind, key, failures, first_at, last_at)
    values (%(kind)s, %(key)s, 1, now(), now())
    on conflict (kind, key) do update set
        failures = case when f.{since} <= now() - make_interval(secs => %(window)s)
            then 1 else f.failures + 1 end,
        first_at = case when f.{since} <= now() - make_interval(secs => %(window)s)
            then now() else f.first_at end,
        last_at = now()
    returning failures,
        extract(epoch from first_at + make_interval(secs => %(window)s) - now())
"""
_COUNT_IN_WINDOW = _COUNT.format(since="first_at")
"""An address's count: failures in a window starting at its first failure."""
_COUNT_IN_A_ROW = _COUNT.format(since="last_at")
"""An account's count: failures with no quiet period of the window's length between them."""


@dataclass(frozen=True)
class Limits:
    account_failures: int = 5
    lock_seconds: int = 60
    lock_max_seconds: int = 3600
    forget_seconds: int = 86400
    address_failures: int = 20
    address_window_seconds: int = 600

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.lockout_failures,
            settings.lockout_seconds,
            settings.lockout_max_seconds,
            settings.lockout_forget_hours * 3600,
            settings.address_failures,
            settings.address_window_seconds,
        )

    def lock(self, failures: int) -> int:
        """Seconds an account is locked after its `failures`-th failure in a row (0: not)."""
        if failures < self.account_failures:
            return 0
        doublings = min(failures - self.account_failures, 30)
        return min(self.lock_max_seconds, self.lock_seconds * (1 << doublings))


def account_key(name: str) -> str:
    return name[:200].replace("\x00", "")


class SignInLimits:
    """The shared failure counters and the locks they set."""

    def __init__(self, db: Database, limits: Limits | None = None) -> None:
        self.db, self.limits = db, limits or Limits()

    def account_wait(self, name: str) -> int:
        """Seconds until the account named `name` may be tried again (0: now)."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select extract(epoch from locked_until - now()) from sign_in_failures "
                "where kind = %s and key = %s and locked_until > now()",
                [ACCOUNT, account_key(name)],
            ).fetchone()
        return 0 if row is None else max(1, math.ceil(row[0]))

    def failed(self, address: str, name: str | None = None) -> int:
        """Count a failure from `address` (and against the account `name`, for a wrong
        password); seconds the caller is told to wait (0: an ordinary refusal)."""
        with self.db.pool.connection() as conn, conn.transaction():
            wait = self._count_address(conn, address)
            if name is not None:
                wait = max(wait, self._count_account(conn, account_key(name)))
            conn.execute(
                "delete from sign_in_failures where last_at < now() - make_interval(secs => %s) "
                "and (locked_until is null or locked_until < now())",
                [max(self.limits.forget_seconds, self.limits.address_window_seconds)],
            )
        return wait

    def succeeded(self, name: str) -> None:
        """The account's owner signed in: their own failures are forgiven (not the address's)."""
        with self.db.pool.connection() as conn:
            conn.execute(
                "delete from sign_in_failures where kind = %s and key = %s",
                [ACCOUNT, account_key(name)],
            )

    def _count_address(self, conn: Any, address: str) -> int:
        params = {"kind": ADDRESS, "key": address, "window": self.limits.address_window_seconds}
        failures, left = conn.execute(_COUNT_IN_WINDOW, params).fetchone()
        return max(1, math.ceil(left)) if failures >= self.limits.address_failures else 0

    def _count_account(self, conn: Any, key: str) -> int:
        params = {"kind": ACCOUNT, "key": key, "window": self.limits.forget_seconds}
        failures, _ = conn.execute(_COUNT_IN_A_ROW, params).fetchone()
        lock = self.limits.lock(failures)
        if lock:
            conn.execute(
                "update sign_in_failures set locked_until = now() + make_interval(secs => %s) "
                "where kind = %s and key = %s",
                [lock, ACCOUNT, key],
            )
        return lock
