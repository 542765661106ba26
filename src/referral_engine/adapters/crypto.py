"""Personal data at rest: one AES-GCM key per case, wrapped by the master key; erasure destroys it.

A workflow marks personal fields `pii: true`. When an event is stored, each personal value in its
`data` is sealed with the case's key (the case id and field name are bound in as associated data,
so a sealed value cannot be moved to another case or field), and so is the event's `fingerprint`
(a digest of the command, personal values included, that would otherwise confirm a guess). Case
keys are stored wrapped by the master key (`REFERRAL_ENGINE_MASTER_KEY`; see case_keys.py).
Destroying a case's key (crypto-shredding) makes every personal value of the case unreadable
while the stream, its states and its statistics stay.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from referral_engine.domain.case import Case
from referral_engine.domain.personal import ERASED

if TYPE_CHECKING:
    from referral_engine.application.ports import CaseKeys

SEALED = "_sealed_"
_SEALED_KEY = b'"_sealed_"'
"""How a sealed value's key reads in stored JSON: absent from an event's bytes, nothing in it
is sealed (most events hold no personal value: no look at each value of theirs)."""
FINGERPRINT = "\0fingerprint"
ROW_DIGEST = "\0row_digest"
IMPORTED = get_topic(Case.Imported)
"""What a command's sealed digest is bound to instead of a field name (no field has a NUL)."""
NONCE = 12
ERASURE = get_topic(Case.PersonalDataErased)


class MasterKeyError(ValueError):
    """The master key is missing, malformed, or not the one the case keys were wrapped with."""


class MasterKeyRotated(MasterKeyError):
    """The configured master key is not the current one: it was rotated since (or never was)."""

    def __init__(self, current: str, configured: str) -> None:
        super().__init__(
            f"the master key was rotated: case keys are wrapped by master key {current}, not by "
            f"the configured {configured}; configure the current one (REFERRAL_ENGINE_MASTER_KEY)"
        )


@dataclass(frozen=True)
class MasterKey:
    """The key that wraps every case key; `id` names it without revealing it."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != 32:
            raise MasterKeyError("the master key must be 32 bytes (base64-encoded)")

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode() + b"==")
        except (binascii.Error, ValueError):
            raise MasterKeyError("the master key is not valid base64") from None
        return cls(raw)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(AESGCM.generate_key(bit_length=256))

    @classmethod
    def in_file(cls, path: Path) -> MasterKey:
        """The key kept in `path` (owner-only), created on first use: for the embedded demo."""
        if path.exists():
            return cls.parse(path.read_text("utf-8"))
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key.text() + "\n")
        return key

    def replace_file(self, path: Path) -> None:
        """Write this key into `path` (owner-only) in place of the one there, atomically."""
        spare = path.with_name(path.name + ".new")
        spare.unlink(missing_ok=True)
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.text() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(spare, path)

    def text(self) -> str:
        return base64.urlsafe_b64encode(self.key).decode().rstrip("=")

    @property
    def id(self) -> str:
        return hashlib.sha256(b"referral-engine master key\0" + self.key).hexdigest()[:16]

    def wrap(self, case_id: UUID, case_key: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + AESGCM(self.key).encrypt(nonce, case_key, case_id.bytes)

    def unwrap(self, case_id: UUID, wrapped: bytes) -> bytes:
        try:
            return AESGCM(self.key).decrypt(wrapped[:NONCE], wrapped[NONCE:], case_id.bytes)
        except InvalidTag:
            raise MasterKeyError(f"the case key of {case_id} was not wrapped by this key") from None

    def __repr__(self) -> str:  # never print the key itself
        return f"MasterKey(id={self.id})"


class Sealer:
    """Seals and opens personal values with a case key (AES-GCM, case id and field bound in)."""

    @staticmethod
    def seal(key: bytes, case_id: UUID, name: str, value: Any) -> dict[str, str]:
        nonce = os.urandom(NONCE)
        box = AESGCM(key).encrypt(nonce, orjson.dumps(value), _aad(case_id, name))
        return {SEALED: base64.b64encode(nonce + box).decode()}

    @staticmethod
    def open(key: bytes | None, case_id: UUID, name: str, sealed: Mapping[str, str]) -> Any:
        if key is None:
            return dict(ERASED)
        raw = base64.b64decode(sealed[SEALED])
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], _aad(case_id, name))
        except InvalidTag:
            raise MasterKeyError(f"a personal value of case {case_id} does not open") from None
        return orjson.loads(plain)


def _aad(case_id: UUID, name: str) -> bytes:
    return case_id.bytes + name.encode()


def is_sealed(value: object) -> bool:
    return isinstance(value, dict) and SEALED in value


class PersonalDataMapper(Mapper[UUID]):
    """The eventsourcing mapper that seals personal values on the way in and opens them on the
    way out (a value whose case key is destroyed reads as erased)."""

    def __init__(
        self,
        transcoder: Any,
        keys: CaseKeys,
        personal: Callable[[str, int], Iterable[str]],
    ) -> None:
        super().__init__(transcoder)
        self.keys = keys
        self.personal = personal
        self._kinds: dict[tuple[str, type], tuple[Any, Callable[[Any], Any], int]] = {}
        # the store's transcoder is told each event's topic (store.FastJSONTranscoder)
        decode_event = getattr(transcoder, "decode_event", None)
        self._decode: Callable[[bytes, str], Any] = decode_event or (
            lambda data, _topic: transcoder.decode(data)
        )

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        case_id: UUID = state.pop("originator_id")
        version = state.pop("originator_version")
        data = state.get("data")
        if data and "workflow_id" in state:
            names = set(self.personal(state["workflow_id"], state["workflow_version"]))
            if names & set(data):
                key = self.keys.key(case_id, create=True)
                if key is None:
                    raise MasterKeyError(f"the personal data of case {case_id} has been erased")
                state["data"] = {
                    k: Sealer.seal(key, case_id, k, v) if k in names else v for k, v in data.items()
                }
                if "fingerprint" in state:  # a digest of the personal values: as personal
                    state["fingerprint"] = Sealer.seal(
                        key, case_id, FINGERPRINT, state["fingerprint"]
                    )
        if "row_digest" in state:  # an imported row's digest: as personal as the row
            key = self.keys.key(case_id, create=True)
            if key is None:
                raise MasterKeyError(f"the personal data of case {case_id} has been erased")
            state["row_digest"] = Sealer.seal(key, case_id, ROW_DIGEST, state["row_digest"])
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(
            originator_id=case_id,
            originator_version=version,
            topic=get_topic(type(domain_event)),
            state=self.transcoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event: DomainEventProtocol[UUID] = self._decoded(stored_event)
        if stored_event.topic == ERASURE:  # erased: this process keeps no copy of the key
            self.keys.forget(UUID(str(stored_event.originator_id)))
        if stored_event.topic == IMPORTED:
            case_id = event.originator_id
            assert isinstance(case_id, UUID)
            sealed = vars(event)["row_digest"]
            vars(event)["row_digest"] = Sealer.open(
                self.keys.key(case_id), case_id, ROW_DIGEST, sealed
            )
        data = getattr(event, "data", None)
        if data and self._may_hold_sealed(stored_event) and any(map(is_sealed, data.values())):
            case_id = event.originator_id
            assert isinstance(case_id, UUID)
            key = self.keys.key(case_id)
            opened = {
                k: Sealer.open(key, case_id, k, v) if is_sealed(v) else v for k, v in data.items()
            }
            vars(event)["data"] = opened
            digest = getattr(event, "fingerprint", None)
            if is_sealed(digest):
                assert isinstance(digest, dict)
                vars(event)["fingerprint"] = Sealer.open(key, case_id, FINGERPRINT, digest)
        return event

    def _may_hold_sealed(self, stored: StoredEvent) -> bool:
        """False only when the stored bytes, read as they are, show no sealed value."""
        return bool(self.cipher or self.compressor) or _SEALED_KEY in stored.state

    def _decoded(self, stored: StoredEvent) -> Any:
        """eventsourcing's `Mapper.to_domain_event`, with the event's class, its id's convertor
        and class version looked up once per topic, and the topic told to the transcoder (a
        replay decodes every event of a case: docs/benchmarks.md, #22 fourth pass)."""
        if self.cipher or self.compressor:
            return super().to_domain_event(stored)
        id_type = type(stored.originator_id)
        kind = self._kinds.get((stored.topic, id_type))
        if kind is None:
            cls = resolve_topic(stored.topic)
            version = getattr(cls, "class_version", 1)
            kind = self._kinds[(stored.topic, id_type)] = (
                cls,
                find_id_convertor(cls, cast(Hashable, id_type)),
                version,
            )
        cls, convert, class_version = kind
        try:
            state: dict[str, Any] = self._decode(stored.state, stored.topic)
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{stored.topic}', "
                f"originator_id '{stored.originator_id}' and originator_version "
                f"{stored.originator_version}: {e}"
            ) from e
        state["originator_id"] = convert(stored.originator_id)
        state["originator_version"] = stored.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event
