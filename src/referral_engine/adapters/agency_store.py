"""The agency registry's event store: an eventsourcing application of its own (table
`agencies_events`), in the cases' environment, so that no case read model or case query ever
reads an agency's event."""

from __future__ import annotations

from uuid import UUID

from referral_engine.adapters.database import created_alone
from referral_engine.adapters.store import ConfiguredApplication

PAGE = 1000


class AgencyStore(ConfiguredApplication):
    """Every registered agency's stream."""

    name = "agencies"

    def ids(self) -> list[UUID]:
        """Every agency's stream id, in the order they were registered (a registry holds
        hundreds of agencies: its whole log is read, a page at a time)."""
        seen: dict[UUID, None] = {}
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=PAGE)
            for n in page:
                seen.setdefault(UUID(str(n.originator_id)), None)
            if len(page) < PAGE:
                return list(seen)
            start = page[-1].id + 1


def open_agency_store(url: str, env: dict[str, str], timeout: int) -> AgencyStore:
    """The registry's store, its table created (if need be) while no other process creates it:
    two processes opening the registry at once for the first time would both create the table,
    and PostgreSQL refuses the second `create table if not exists` that races the first."""
    return created_alone(url, timeout, lambda: AgencyStore(env=env))
