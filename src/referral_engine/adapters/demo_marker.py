"""The mark of a database the demo made: `serve --demo` seeds users and cases and prints their
tokens and passwords, which it must never do on a database holding real users or cases."""

from __future__ import annotations

from referral_engine.adapters.database import Database

SCHEMA = (
    """create table if not exists demo_marker (
        only_row bool primary key default true check (only_row),
        marked_at timestamptz not null default now())""",
)


class NotADemoDatabase(Exception):
    """The database holds users or cases the demo did not make."""


def claim(db: Database, has_cases: bool, *, refuse: bool = True) -> bool:
    """Mark an empty database as the demo's; True if it is the demo's (now or before). A
    database holding users or cases, not marked, is refused (or left unmarked: `refuse=False`)."""
    with db.pool.connection() as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('referral_engine.demo_marker'))")
        if conn.execute("select 1 from demo_marker").fetchone() is not None:
            return True
        has_users = conn.execute("select exists (select from users)").fetchone()
        if has_cases or (has_users is not None and has_users[0]):
            if refuse:
                raise NotADemoDatabase(
                    "this database holds users or cases the demo did not make: --demo would add "
                    "demo users with access to every region and print their tokens and "
                    "passwords; start without --demo (or use a database of its own for the demo)"
                )
            return False
        conn.execute("insert into demo_marker default values")
        return True
