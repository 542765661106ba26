"""Search for a person across the cases a reader reaches (docs/persons.md).

The query is parsed into parts (each name word, a date of birth, a phone or a number) and each
part into clear search terms (domain/person_terms.py), hashed with the search key (the `Blind`
port): the persons read model's index narrows the candidates to values sharing terms with the
query, within the reader's regions and reach, best first by the parts they match. The
candidates' values are then opened with their cases' keys (read afresh: an erased case's is
gone) and ranked by name similarity (Jaro-Winkler) and the date of birth; each result shows the
person's name only to a reader who may read it on that case.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from referral_engine.application.ports import ReadModels
from referral_engine.domain import person_terms
from referral_engine.domain.access import Scope, queue_filter, sight_by_marks
from referral_engine.domain.persons import PersonFields
from referral_engine.workflows.loader import WorkflowRegistry

PERSONS = "persons"
CANDIDATES = 40
"""How many cases the index hands over for ranking at most."""
NAME_PARTS = 4
"""The longest words of a name searched for (the index intersects one condition per word)."""
RESULTS = 20


class Blind(Protocol):
    """The blind index's keys (adapters/blind_index.py)."""

    def hashes(self, terms: Iterable[str]) -> frozenset[bytes]: ...

    def open(self, case_id: UUID, field: str, sealed: str) -> Any | None: ...

    def warm(self, case_ids: list[UUID]) -> None:
        """Read these cases' keys afresh (an erasure in another process shows at once)."""


@dataclass(frozen=True)
class Hit:
    """One case found: where it is, how well it matched, and the name if the reader may see it."""

    case_id: UUID
    region: str
    workflow_id: str
    workflow_version: int
    state: str | None
    opened_on: date | None
    score: float
    name: str | None
    """The person's name as recorded, or None when the reader may not read it on this case."""
    birth_date_matches: bool


@dataclass(frozen=True)
class Parsed:
    """A search's parts, each with its hashed terms, and the query as ranking reads it: a part
    per name word (`names`, the longest first), and the rest (a date of birth, phones,
    numbers: `other`)."""

    query: person_terms.Query
    names: tuple[frozenset[bytes], ...]
    other: frozenset[bytes]

    @property
    def parts(self) -> tuple[frozenset[bytes], ...]:
        return (*self.names, self.other) if self.other else self.names


class Search:
    """Finds people by name, date of birth, phone or number in the blind index."""

    def __init__(self, models: ReadModels, blind: Blind, workflows: WorkflowRegistry) -> None:
        self.models = models
        self.blind = blind
        self.workflows = workflows

    def parse(self, q: str) -> Parsed:
        """The query's parts and their hashed terms; QueryInvalid when nothing in it is
        searchable."""
        query = person_terms.parse_query(q)
        words = sorted(dict.fromkeys(query.names), key=len, reverse=True)[:NAME_PARTS]
        names = [person_terms.name_terms(w) for w in words]
        named = set().union(*names)
        other = set(query.terms) - named
        for country in self._countries():  # phones written as local numbers of each workflow
            other |= person_terms.parse_query(q, country).terms - named
        return Parsed(
            query, tuple(self.blind.hashes(n) for n in names if n), self.blind.hashes(other)
        )

    def digest(self, q: str) -> str:
        """What the audit log keeps of a query: its keyed hash (who searched for whom is itself
        personal data), the same for the same words in any case or spacing."""
        words = " ".join(q.casefold().split())
        return next(iter(self.blind.hashes(["audit\0" + words]))).hex()

    def find(self, q: str, scope: Scope, limit: int = RESULTS) -> list[Hit]:
        """The cases within `scope` whose person matches `q`, best first."""
        parsed = self.parse(q)
        whole, marks = queue_filter(((w.id, w.access) for w in self.workflows), scope)
        reach = {
            "regions": None if scope.regions is None else sorted(scope.regions),
            "whole": whole,
            "marks": marks,
            "limit": CANDIDATES,
        }
        found: dict[UUID, None] = {}
        names = parsed.names
        if names:  # every word of the name, else (none has them all) every word but one
            found.update(dict.fromkeys(self._with_every(names, reach)))
            if not found and len(names) > 1:
                for left_out in range(len(names)):
                    rest = names[:left_out] + names[left_out + 1 :]
                    found.update(dict.fromkeys(self._with_every(rest, reach)))
        if parsed.other and len(found) < CANDIDATES:
            rows = self.models.query(PERSONS, "any_term", {**reach, "terms": sorted(parsed.other)})
            found.update(dict.fromkeys(r["case_id"] for r in rows))
        return self.ranked(parsed, list(found)[:CANDIDATES], scope)[:limit]

    def _with_every(self, parts: tuple[frozenset[bytes], ...], reach: dict[str, Any]) -> list[UUID]:
        given = {f"p{i}": sorted(p) for i, p in enumerate(parts, 1)}
        rows = self.models.query(PERSONS, f"name_{len(parts)}", {**reach, **given})
        return [r["case_id"] for r in rows]

    def ranked(self, parsed: Parsed, cases: list[UUID], scope: Scope | None) -> list[Hit]:
        """The cases' values opened (keys read afresh: an erased case drops out) and ranked."""
        if not cases:
            return []
        self.blind.warm(cases)
        fields = None if parsed.other else self._who_fields()  # a phone or number: all
        rows = self.models.query(PERSONS, "values_of", {"cases": cases, "fields": fields})
        opened: dict[UUID, dict[str, Any]] = {}
        terms: dict[UUID, dict[str, set[bytes]]] = {}
        about: dict[UUID, dict[str, Any]] = {}
        for v in rows:
            clear = self.blind.open(v["case_id"], v["field"], v["sealed"])
            if clear is not None:
                opened.setdefault(v["case_id"], {})[v["field"]] = clear
                hashes = {bytes(t) for t in v["terms"] or ()}
                terms.setdefault(v["case_id"], {})[v["field"]] = hashes
                about[v["case_id"]] = v
        hits = [self._hit(parsed, about[c], opened[c], terms[c], scope) for c in opened]
        return sorted((h for h in hits if h is not None), key=lambda h: (-h.score, str(h.case_id)))

    def _hit(
        self,
        parsed: Parsed,
        row: Mapping[str, Any],
        values: Mapping[str, Any],
        by_field: Mapping[str, set[bytes]],
        scope: Scope | None,
    ) -> Hit | None:
        """The case as a hit, judged only on the values the reader may read on it (a match on
        another would confirm a guess of it); None when none of those matches."""
        workflow = self.workflows.get(row["workflow_id"], row["workflow_version"])
        persons = workflow.persons
        sight = sight_by_marks(
            workflow.access, row["workflow_id"], row["region"], row.get("marks") or (), scope
        )
        if scope is not None and sight is None:
            return None
        readable = [f for f in values if _matchable(workflow, f, scope, sight)]
        clear = {f: values[f] for f in readable}
        terms = set().union(*(by_field[f] for f in readable))
        if not any(not terms.isdisjoint(p) for p in parsed.parts):
            return None
        names = [str(clear[f]) for f in persons.names if isinstance(clear.get(f), str)]
        similarity = max((person_terms.similarity(parsed.query, n) for n in names), default=0.0)
        born = _born(persons, clear)
        born_matches = bool(parsed.query.birth_date) and born == parsed.query.birth_date
        parts = parsed.parts
        matched = sum(not terms.isdisjoint(p) for p in parts) / max(len(parts), 1)
        score = round(0.6 * similarity + 0.3 * matched + (0.1 if born_matches else 0.0), 4)
        if not parsed.query.names:  # a search by number, phone or date only: the parts decide
            score = round(matched * 0.9 + (0.1 if born_matches else 0.0), 4)
        shown = None
        if names and (scope is None or _may_read(workflow, persons.names[0], scope, sight)):
            shown = names[0]
        return Hit(
            row["case_id"],
            row["region"],
            row["workflow_id"],
            row["workflow_version"],
            row.get("state"),
            row.get("opened_on"),
            score,
            shown,
            born_matches,
        )

    def _who_fields(self) -> list[str]:
        """The fields ranking reads when the query is a name: names and dates of birth."""
        found = {n for w in self.workflows for n in w.persons.names}
        found.update(w.persons.birth_date for w in self.workflows if w.persons.birth_date)
        return sorted(found)

    def names(self, cases: list[UUID], scope: Scope) -> dict[UUID, tuple[str, str]]:
        """The person's name (and its field) of each of these cases that `scope` may read it
        on (the others, and erased cases, left out): for pages listing cases by id, such as
        duplicate alerts."""
        if not cases:
            return {}
        self.blind.warm(cases)
        shown: dict[UUID, tuple[str, str]] = {}
        fields = self._who_fields()
        for v in self.models.query(PERSONS, "values_of", {"cases": cases, "fields": fields}):
            workflow = self.workflows.get(v["workflow_id"], v["workflow_version"])
            persons = workflow.persons
            if not persons.names or v["field"] != persons.names[0] or v["case_id"] in shown:
                continue
            sight = sight_by_marks(
                workflow.access, v["workflow_id"], v["region"], v.get("marks") or (), scope
            )
            if sight is None or not _may_read(workflow, v["field"], scope, sight):
                continue
            clear = self.blind.open(v["case_id"], v["field"], v["sealed"])
            if isinstance(clear, str) and clear.strip():
                shown[v["case_id"]] = clear, v["field"]
        return shown

    def _countries(self) -> list[str]:
        return sorted({w.persons.phone_country for w in self.workflows if w.persons.phone_country})


def _may_read(workflow: Any, field: str, scope: Scope, sight: Any) -> bool:
    """Whether the reader may read one of the case's person's fields: a role the workflow lets
    read it, and, for a reader reaching the case only through a referral, a field the workflow
    shares with one."""
    readers: Collection[str] = workflow.personal.get(field, frozenset())
    if scope.role is None or scope.role not in readers:
        return False
    if sight is not None and not sight.whole:
        shared = workflow.referrals.shared_fields if workflow.referrals else frozenset()
        return field in shared
    return True


def _matchable(workflow: Any, field: str, scope: Scope | None, sight: Any) -> bool:
    """Whether a search may match on the field: one the reader may read (an internal tool's
    scope, with no role, matches on every field)."""
    return scope is None or scope.role is None or _may_read(workflow, field, scope, sight)


def _born(persons: PersonFields, clear: Mapping[str, Any]) -> str | None:
    value = clear.get(persons.birth_date) if persons.birth_date else None
    return str(value)[:10] if value else None
