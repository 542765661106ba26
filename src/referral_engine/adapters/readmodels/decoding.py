"""Stored case events turned into read-model Events, as the event store's mapper reads them.

An event stored under an older `class_version` than its class's goes through eventsourcing's
mapper with the store's transcoder, which applies the class's upcasters (`upcast_v1_v2`, ...), so
a change of an event's shape never stops a read model. An event at its class's current version
takes the hot path of a rebuild: its JSON read directly, and its two times (`occurred_at`,
`timestamp`), the only typed values a case event holds, read from their stored form. Workflow data
holds JSON values only (the domain's field types), so typed values come from the event class's own
attributes, which change only with its class version: an event stored under another version, or
whose times are not stored as the transcoder writes datetimes, goes through the mapper. Neither
path opens sealed values (the mapper here holds no case keys), and only the workflow's
non-personal reporting fields reach an Event, with, where the decoder is given the blind index,
the keyed hashes of the values that identify the person (`Event.persons`, adapters/blind_index.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic

from referral_engine.application.readmodel import NO_PERSONS, NO_RENAMES, Event, PairLink
from referral_engine.domain.person_links import EVENT_NAMES
from referral_engine.workflows.loader import WorkflowRegistry

if TYPE_CHECKING:
    from referral_engine.adapters.blind_index import BlindIndex

PROJECTED = (".Opened", ".StepTaken", ".WorkflowMigrated", ".RegionTransfer", ".Assigned")
"""The case events read models see (by topic suffix); others only move their position."""
PAIRS = tuple(f":{name}" for name in EVENT_NAMES)
"""The events about a pair of cases (domain/person_links.py): seen only by the read models
declaring `LINKS = True` (discovery.py)."""
_NONE: frozenset[str] = frozenset()
_UNSEEN = (0, False)
"""The kind of a topic read models do not see (`Decoder._kind`)."""
_new = tuple.__new__  # an Event from its 25 values in one C call (a named tuple's own
# constructor binds each argument in Python: twice the time, measured)
DATETIME = DatetimeAsISO.name


class Decoder:
    """Turns stored rows into read-model Events, keeping only non-personal reporting fields."""

    def __init__(
        self, workflows: WorkflowRegistry, transcoder: Transcoder, blind: BlindIndex | None = None
    ) -> None:
        self.workflows = workflows
        self.blind = blind
        self.transcoder = transcoder
        # a plain mapper: upcasts, but never opens a sealed value (it holds no case keys)
        self.mapper: Mapper[UUID] = Mapper(transcoder)
        self._cache: dict[tuple[str, int], tuple[Any, ...]] = {}
        self._kinds: dict[str, tuple[int, bool]] = {}  # by topic (`_kind`)
        self.hot = True  # False sends every event through the mapper (tests compare the two)

    def __call__(self, row: tuple[Any, ...]) -> Event | None:
        """The event as read models see it; None for events they do not see (an erasure)."""
        position, case_id, version, topic, state = row
        kind = self._kinds.get(topic) or self._kind(topic)
        if kind is _UNSEEN:
            return self._pair(row) if topic.endswith(PAIRS) else None
        d = orjson.loads(state)
        if self.hot and d.get("class_version", 1) == kind[0]:
            occurred, stamp = d.get("occurred_at"), d.get("timestamp")
            if (
                type(occurred) is dict
                and type(stamp) is dict
                and occurred.get("_type_") == stamp.get("_type_") == DATETIME
            ):
                # the hot path of a rebuild: the two times read straight from the JSON (the
                # transcoder's whole decode costs a quarter of the rebuild's decoding, measured)
                return self._event(
                    position,
                    case_id,
                    version,
                    kind[1],
                    d,
                    date.fromisoformat(occurred["_data_"][:10]),
                    datetime.fromisoformat(stamp["_data_"]),
                )
        d = self.upcast(row)
        return self._event(
            position, case_id, version, kind[1], d, d["occurred_at"].date(), d["timestamp"]
        )

    def prepare(self, rows: list[Any]) -> None:
        """Ready what decoding a batch needs in one go: the case keys of the blind index."""
        if self.blind is not None:
            self.blind.prepare(rows)

    def upcast(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """The event through the library's full path: the store's transcoder, then the event
        class's upcasters for an event stored under an older class version."""
        _, case_id, version, topic, state = row
        stored = StoredEvent(
            originator_id=case_id, originator_version=version, topic=topic, state=state
        )
        return dict(vars(self.mapper.to_domain_event(stored)))

    def recorded_at(self, state: bytes) -> Any:
        """When an event was recorded (its eventsourcing `timestamp`)."""
        return self.transcoder.decode(state)["timestamp"]

    def _pair(self, row: tuple[Any, ...]) -> Event:
        """An event about a pair of cases, with the case's state fields left empty."""
        position, case_id, version, _, _ = row
        d = self.upcast(row)
        link = PairLink(d["name"], UUID(d["other_case"]), d["other_region"], d["reason"])
        actor = d["actor"]
        return Event(
            position,
            case_id,
            version,
            d["name"],
            None,
            None,
            None,
            "",
            d["region"],
            d["workflow_id"],
            d["workflow_version"],
            d["occurred_at"].date(),
            d["timestamp"],
            actor["role"],
            actor["agency"],
            _NONE,
            {},
            None,
            None,
            (),
            (),
            link=link,
        )

    def _kind(self, topic: str) -> tuple[int, bool]:
        """What decoding needs of a topic, looked up once: its class's current version and
        whether it opens a case (`_UNSEEN` for the events read models do not see)."""
        if not topic.endswith(PROJECTED):
            kind = _UNSEEN
        else:
            kind = (getattr(resolve_topic(topic), "class_version", 1), topic.endswith(".Opened"))
        self._kinds[topic] = kind
        return kind

    def _facts(self, workflow_id: str, version: int) -> tuple[Any, ...]:
        """What decoding needs from a workflow version, looked up once."""
        facts = self._cache.get((workflow_id, version))
        if facts is None:
            w = self.workflows.get(workflow_id, version)
            r = w.referrals
            personal = set(w.personal)  # never copied into a read model, even sealed
            facts = self._cache[(workflow_id, version)] = (
                w.milestones,
                _by_field(w.report_fields, w.report_values, personal),
                r.agency_field if r and r.agency_field not in personal else None,
                r.service_field if r and r.service_field not in personal else None,
                w.persons if self.blind is not None and w.persons.fields else None,
            )
        return facts

    def _event(
        self,
        position: int,
        case_id: UUID,
        version: int,
        opens: bool,
        d: dict[str, Any],
        occurred_on: date,
        recorded_at: datetime,
    ) -> Event:
        workflow = d["workflow_id"], d["workflow_version"]
        facts = self._cache.get(workflow) or self._facts(*workflow)
        milestones, report_fields, agency_field, service_field, persons = facts
        name, data, actor = d["name"], d["data"], d["actor"]
        blind = NO_PERSONS
        if persons is not None and self.blind is not None and not persons.fields.isdisjoint(data):
            blind = self.blind.values(case_id, persons, data)
        if opens:
            trigger = referral_id = from_state = None
            to_state, agency, service = d["state"], None, None
        else:
            trigger, referral_id, from_state = d["trigger"], d["referral_id"], d["from_state"]
            to_state = d["to_state"]
            sends = from_state is None and agency_field is not None
            # events that name the agency themselves (a later class version) are taken at
            # their word, a case step's too (the agency it sends the case to); older ones name
            # a referral's through the workflow's referral fields
            agency = d.get("agency", data.get(agency_field)) if sends else d.get("agency")
            service = d.get("service", data.get(service_field)) if sends else None
        return _new(
            Event,
            (
                position,
                case_id,
                version,
                name,
                trigger,
                referral_id,
                from_state,
                to_state,
                d["region"],
                workflow[0],
                workflow[1],
                occurred_on,
                recorded_at,
                actor["role"],
                actor["agency"],
                milestones.get(name, _NONE),
                _report(report_fields, data) if report_fields else {},
                agency,
                service,
                d["deadlines_started"],
                d.get("deadlines_stopped", ()),
                d.get("referral_states") or NO_RENAMES,  # a migration's
                blind,
                d.get("detail") or NO_RENAMES,  # a transfer's or an assignment's
                None,
            ),
        )


def _by_field(
    fields: Mapping[str, str], values: Mapping[str, Mapping[str, str]], personal: set[str]
) -> dict[str, tuple[tuple[str, Mapping[str, str] | None], ...]]:
    """A workflow's non-personal reporting fields by the data field they read: each reporting
    key with the vocabulary its values are mapped to, if any."""
    found: dict[str, tuple[tuple[str, Mapping[str, str] | None], ...]] = {}
    for key, name in fields.items():
        if name not in personal:
            found[name] = (*found.get(name, ()), (key, values.get(key)))
    return found


def _report(
    fields: Mapping[str, tuple[tuple[str, Mapping[str, str] | None], ...]],
    data: Mapping[str, Any],
) -> dict[str, Any]:
    """The event's reporting fields, each value mapped to the vocabulary where the workflow
    maps its values (a list stays a list, without repeats the mapping makes). An event's data
    holds a few fields of the many a workflow reports on: those are the ones looked at."""
    report: dict[str, Any] = {}
    for name, value in data.items():
        wanted = fields.get(name)
        if wanted is None:
            continue
        for key, values in wanted:
            if values is None:
                report[key] = value
            elif type(value) is list:
                report[key] = list(dict.fromkeys(values.get(v, v) for v in value))
            elif type(value) is str:
                report[key] = values.get(value, value)
            else:
                report[key] = value
    return report


def unseen(events: list[Event], first: int, position: int) -> list[Event]:
    """The decoded events of a batch whose first row is at `first` that come after `position`
    (a read model's): all of them when the batch starts past it, else the later ones."""
    return events if first > position else [e for e in events if e.position > position]
