"""Webhook subscriptions and the event feed, the pure part: who an event is shown to, what a
subscription's URL, secret and event types may be, the ids a delivery carries, and how long to
wait before trying a failed delivery again (docs/webhooks.md)."""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from referral_engine.domain.access import Scope
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.text import text_problem

AGENCY = "agency"
"""A subscription of a registered agency: it sees what that agency's users of its role see."""
INTEGRATION = "integration"
"""A subscription of another system: the events of its regions, never any personal data."""
KINDS = (AGENCY, INTEGRATION)
ENGINE_EVENTS = (
    "WorkflowMigrated",
    "StatedDateConfirmed",
    "CaseImported",
    "PersonalDataErased",
    "TransferRequested",
    "TransferAccepted",
    "TransferRefused",
    "TransferWithdrawn",
    "CaseAssigned",
    "CaseUnassigned",
    "NoteAdded",
    "DocumentUploaded",
)
"""Event types the engine records itself, whatever the workflow (the others are the workflows'
event names)."""
ERASED = "PersonalDataErased"
ENGINE_TEXT = {"StatedDateConfirmed": frozenset({"reason"}), "CaseImported": frozenset({"row_id"})}
"""What the engine's own events carry that a person wrote (a reason) or that names a person's
record elsewhere (a past register's row): no workflow declares it personal, yet it may be, so
an integration, which gets no personal value, gets none of it."""
SECRET_PREFIX = "whsec_"
SECRET_BYTES = (24, 64)
"""A secret's length in bytes (Standard Webhooks: 24 to 64)."""
URL_MAX = 2000
EVENT_NAMESPACE = UUID("2f6f9f7e-3c55-4c0e-9a51-6f5f0b2b6c1d")
"""The uuid5 namespace of public event ids: an event's id follows from its case and version."""
SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Audience:
    """Who an event is shown to: the cases it reaches (`scope`, judged as for a user) and the
    role whose personal-field readers apply (None: no personal field at all)."""

    scope: Scope
    role: str | None

    @classmethod
    def of_agency(cls, agency: str, role: str, regions: Collection[str]) -> Audience:
        """An agency's subscription: as that agency's users of `role` in these regions."""
        return cls(Scope(frozenset(regions), role, agency), role)

    @classmethod
    def of_integration(cls, regions: Collection[str] | None) -> Audience:
        """Another system: every event of its regions (None: every region), no personal data."""
        return cls(Scope(None if regions is None else frozenset(regions), None, ""), None)


PENDING, DELIVERED, PARKED, NOT_SHOWN = "pending", "delivered", "parked", "not_shown"
DELIVERY_STATES = (PENDING, DELIVERED, PARKED, NOT_SHOWN)
"""A delivery waits (and is retried), was answered 2xx, failed too often, or concerns an event
its subscription turned out not to see (nothing sent)."""


@dataclass(frozen=True)
class Subscription:
    """Where to send which events, for whom (its secret is kept apart, sealed)."""

    id: UUID
    kind: str
    name: str
    """The agency's id, or the integration's name."""
    role: str | None
    regions: tuple[str, ...] | None
    """The regions whose cases it sees (None: every region; an integration only)."""
    url: str
    events: tuple[str, ...]
    """The event types it wants (empty: every type)."""
    created_at: datetime
    created_by: str
    ended_at: datetime | None = None
    previous_secret_until: datetime | None = None
    """After its secret was rotated: until when the one before it also signs (None: it does
    not, or no longer)."""

    @property
    def audience(self) -> Audience:
        if self.kind == AGENCY:
            return Audience.of_agency(self.name, self.role or "", self.regions or ())
        return Audience.of_integration(self.regions)

    def wants(self, event_type: str, region: str | None) -> bool:
        """Whether an event of this type, of a case in this region (None: not known from the
        event itself), may be for it: the rest is decided when it is delivered. An erasure is
        for it whatever types it asked for: a recipient of personal data is told of its
        erasure (GDPR Art. 19)."""
        if self.events and event_type not in self.events and event_type != ERASED:
            return False
        return region is None or self.regions is None or region in self.regions


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription: its `webhook-id` and how its attempts went."""

    id: str
    subscription_id: UUID
    position: int
    case_id: UUID
    case_version: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def event_id(case_id: UUID, version: int) -> UUID:
    """The public id of the event at `version` of a case: the same in every copy of the log."""
    return uuid5(EVENT_NAMESPACE, f"{case_id}/{version}")


MESSAGE_ID = re.compile(r"^msg_[0-9a-f]{32}$")


def message_id(subscription_id: UUID, event: UUID) -> str:
    """The `webhook-id` of an event sent to a subscription: the same on every attempt, so a
    receiver recognises a duplicate by it."""
    return "msg_" + uuid5(subscription_id, str(event)).hex


def retry_delay(attempt: int, first: float, cap: float, draw: float) -> float:
    """Seconds to wait after the `attempt`-th failed attempt (1 for the first): `first`
    doubled with each further failure, at most `cap`, times a jitter factor between 0.5 and 1
    (`draw`, uniform in [0, 1)), so that receivers coming back are not all retried at once."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    base = min(cap, first * 2.0 ** min(attempt - 1, 60))
    return base * (0.5 + min(max(draw, 0.0), 1.0) / 2)


Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address
METADATA = frozenset({ip_address("fd00:ec2::254"), ip_address("100.100.100.200")})
"""Cloud metadata services outside the link-local range (AWS over IPv6, Alibaba Cloud)."""
NEVER = (
    "is a link-local, multicast or unspecified address (cloud metadata services are there): "
    "never a receiver"
)
NOT_PUBLIC = (
    "is a loopback, private or reserved address: a receiver there needs its network in "
    "REFERRAL_ENGINE_WEBHOOK_ALLOWED_NETWORKS"
)
LOCALHOST = ip_address("127.0.0.1")
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def address_problem(address: Address, allowed: Collection[Network] = ()) -> str | None:
    """Why a receiver may not be at this address (None: it may be). Public addresses may;
    loopback, private and reserved ones only inside an `allowed` network; link-local (the
    cloud metadata service), multicast and unspecified ones never (docs/webhooks.md)."""
    if isinstance(address, IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_problem(embedded, allowed)
    if (
        address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address in METADATA
    ):
        return NEVER
    if address.is_global or any(address in n for n in allowed if n.version == address.version):
        return None
    return NOT_PUBLIC


def check_url(url: str, allowed: Collection[Network] = ()) -> str:
    """A receiver's URL: http or https, a host that may be a receiver (`address_problem` for
    an address or localhost), no user or password in it, no fragment."""
    problem = _url_problem(url, allowed)
    if problem is not None:
        raise InvalidData([FieldProblem("url", problem, "webhook_url")])
    return url


def _url_problem(url: str, allowed: Collection[Network]) -> str | None:
    if not url or len(url) > URL_MAX:
        return f"must be a URL of 1 to {URL_MAX} characters"
    if text_problem(url) is not None or any(c.isspace() for c in url):
        return "must not contain spaces, control or invisible characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number raises
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in SCHEMES:
        return "must start with http:// or https://"
    if "@" in parts.netloc:
        return "must not hold a user name or password (the secret signs the request)"
    if not parts.hostname:
        return "must name a host"
    if port == 0:
        return "must name a port from 1 to 65535"
    if parts.fragment:
        return "must not have a fragment (#...)"
    return _host_problem(parts.hostname, allowed)


def _host_problem(host: str, allowed: Collection[Network]) -> str | None:
    """A host name or address: an address (or localhost) checked as the sender checks the
    addresses a name resolves to when it connects."""
    try:
        address: Address | None = ip_address(host)
    except ValueError:
        address = None
    name = host.removesuffix(".")
    if address is None and (name == "localhost" or name.endswith(".localhost")):
        address = LOCALHOST
    if address is not None:
        problem = address_problem(address, allowed)
        return None if problem is None else f"names a host that {problem}"
    try:
        labels = name.encode("idna").decode("ascii").split(".")
    except UnicodeError:
        return "must name a valid host"
    if NUMERIC_LABEL.match(labels[-1]):
        return "must write an IP address as four decimal numbers (such as 192.0.2.10)"
    if len(name) > 253 or not all(HOST_LABEL.match(label) for label in labels):
        return "must name a valid host"
    return None


def check_secret(secret: str) -> bytes:
    """A secret given in Standard Webhooks' form, `whsec_` and 24 to 64 bytes in base64: the
    bytes that sign."""
    body = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else None
    try:
        raw = base64.b64decode(body or "", validate=True) if body is not None else b""
    except (binascii.Error, ValueError):
        raw = b""
    low, high = SECRET_BYTES
    if not low <= len(raw) <= high:
        problem = f"must be whsec_ followed by {low} to {high} bytes in base64"
        raise InvalidData([FieldProblem("secret", problem, "webhook_secret")])
    return raw


def secret_text(raw: bytes) -> str:
    """The secret as receivers configure it (`whsec_...`)."""
    return SECRET_PREFIX + base64.b64encode(raw).decode()


def check_types(types: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """The event types a subscription asks for, each a known one (none: every type)."""
    asked = list(dict.fromkeys(types))
    problems = []
    for i, name in enumerate(asked):
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
            hint = f"; close: {', '.join(close)}" if close else ""
            problems.append(
                FieldProblem(
                    f"events[{i}]",
                    f"is not an event type of any loaded workflow{hint}",
                    "unknown_event_type",
                    {"close": ", ".join(close)},
                )
            )
    if problems:
        raise InvalidData(problems)
    return tuple(sorted(asked))
