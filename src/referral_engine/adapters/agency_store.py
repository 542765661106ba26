"""The agency registry's event store: an eventsourcing application of its own (table
`agencies_events`), in the cases' environment, so that no case read model or case query ever
reads an agency's event."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import Environment, EnvType

from referral_engine.adapters.store import FastJSONTranscoder

PAGE = 1000


class AgencyStore(Application[UUID]):
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

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the given environment (config.Settings through `eventsourcing_env`)."""
        return Environment(name, {**type(self).env, **(env or {})})

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder
