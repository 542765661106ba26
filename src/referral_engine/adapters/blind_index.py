"""The blind index's keys: search terms hashed with a key derived from the master key.

A value that says who a person is (a workflow's `persons:` fields: names, date of birth, phones,
numbers) gives clear search terms (domain/person_terms.py: normalised name parts, their
transliterations, phonetic keys, one-typo variants, E.164 phones, ...). The index stores only
their keyed hashes (BLAKE2b keyed with the search key, 16 bytes), never a term, so a database
dump holds no name and no one without the master key can test a guess against it. The search key
is derived from the master key: rotating the master key rotates it, and the persons read model is
rebuilt under the new one (bootstrap.rotate_master).

Besides the hashes the index keeps each value as it is stored in the event, sealed with the
case's key: opened only to rank a search's candidates and to show their names to those who may
read them; a destroyed case key leaves it unreadable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from referral_engine.adapters.crypto import MasterKey, MasterKeyError, Sealer, is_sealed
from referral_engine.application.readmodel import NO_PERSONS, PersonValue
from referral_engine.domain.persons import PersonFields

if TYPE_CHECKING:
    from referral_engine.application.ports import CaseKeys

DIGEST = 16
SEALED_MARK = b'"_sealed_"'

FORGET_PERSONS = (
    # An erasure forgets the person in every version of the index (live, and one being built)
    # in its own transaction (case_keys.destroy_keys): no search finds an erased case, not even
    # for the moment before the live worker reads the erasure.
    """create or replace function forget_persons(ids uuid[]) returns void language plpgsql
    set search_path from current as $$
    declare s text;
    begin
      if to_regclass('projection_registry') is null then return; end if;
      for s in select unnest(array[active_schema, building_schema]) from projection_registry
               where name = 'persons' loop
        if s is not null and to_regclass(format('%I.person_values', s)) is not null then
          execute format('delete from %I.person_values where case_id = any($1)', s) using ids;
        end if;
      end loop;
    end $$""",
)


def search_key(master: MasterKey) -> bytes:
    """The blind index's key, derived from the master key (a rotation changes it)."""
    return hashlib.blake2b(
        b"referral-engine blind index", key=master.key, person=b"search-key", digest_size=32
    ).digest()


class BlindIndex:
    """Hashes search terms with the search key, and opens the sealed values the index keeps."""

    def __init__(self, master: MasterKey, keys: CaseKeys) -> None:
        self.keys = keys
        self.rekey(master)

    def rekey(self, master: MasterKey) -> None:
        """Hash with the key derived from `master` from now on (after a rotation)."""
        self._key = search_key(master)
        self.key_id = hashlib.sha256(b"search key id\0" + self._key).hexdigest()[:16]

    def hash(self, term: str) -> bytes:
        return hashlib.blake2b(term.encode(), key=self._key, digest_size=DIGEST).digest()

    def hashes(self, terms: Iterable[str]) -> frozenset[bytes]:
        key = self._key
        return frozenset(
            hashlib.blake2b(t.encode(), key=key, digest_size=DIGEST).digest() for t in terms
        )

    def values(
        self, case_id: UUID, persons: PersonFields, data: Mapping[str, Any]
    ) -> Mapping[str, PersonValue]:
        """The blind values of the `persons` fields an event's stored `data` records (none when
        the case's key is destroyed: an erased case gives the index nothing)."""
        fields = [f for f in persons.recorded(data) if is_sealed(data[f])]
        if not fields:
            return NO_PERSONS
        key = self.keys.key(case_id)
        if key is None:
            return NO_PERSONS
        found: dict[str, PersonValue] = {}
        for field in fields:
            sealed = data[field]
            try:
                clear = Sealer.open(key, case_id, field, sealed)
            except MasterKeyError:
                continue  # sealed under another key: not this index's to read
            terms = persons.terms(field, clear)
            if terms:
                found[field] = PersonValue(self.hashes(terms), orjson.dumps(sealed).decode())
        return found

    def open(self, case_id: UUID, field: str, sealed: str) -> Any | None:
        """A kept value in clear, or None when its case's key is destroyed (erased)."""
        key = self.keys.key(case_id)
        if key is None:
            return None
        try:
            return Sealer.open(key, case_id, field, orjson.loads(sealed))
        except (MasterKeyError, ValueError, KeyError):
            return None

    def warm(self, case_ids: list[UUID]) -> None:
        """Read these cases' keys afresh: a search shows no case erased by another process."""
        if case_ids:
            self.keys.warm(case_ids)

    def prepare(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Read the keys of a batch's cases holding sealed values in one query (a rebuild would
        otherwise read each case's key on its own)."""
        ids = list({row[1] for row in rows if SEALED_MARK in bytes(row[4])})
        if ids:
            self.keys.warm(ids)
