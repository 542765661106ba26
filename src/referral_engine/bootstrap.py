"""The composition root: settings in, a wired engine out. The CLI, the API and tests all use it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, partial
from pathlib import Path
from types import TracebackType

from referral_engine.adapters import (
    audit,
    case_keys,
    demo_marker,
    erasures,
    htcds_exports,
    lockout,
    publications,
    security,
    sessions,
)
from referral_engine.adapters.agency_store import AgencyStore, open_agency_store
from referral_engine.adapters.audit import AuditLog
from referral_engine.adapters.blind_index import BlindIndex
from referral_engine.adapters.case_keys import MemoryCaseKeys, PostgresCaseKeys
from referral_engine.adapters.crypto import MasterKey, MasterKeyError
from referral_engine.adapters.database import (
    Database,
    EmbeddedPostgres,
    connect,
    created_alone,
    ensure_schema,
    mask_url,
)
from referral_engine.adapters.erasures import PostgresErasureRequests
from referral_engine.adapters.htcds_exports import HtcdsLedger
from referral_engine.adapters.lockout import Limits, SignInLimits
from referral_engine.adapters.notifications import store as notification_store
from referral_engine.adapters.notifications.store import NotificationStore
from referral_engine.adapters.notifications.worker import Notifier
from referral_engine.adapters.publications import PostgresPublications
from referral_engine.adapters.readmodels.connections import ReadModelDatabase
from referral_engine.adapters.readmodels.engine import Projections, discover
from referral_engine.adapters.readmodels.tallies import ReportTallies
from referral_engine.adapters.security import Users
from referral_engine.adapters.sessions import ServerSessions
from referral_engine.adapters.store import CaseStore, eventsourcing_env
from referral_engine.adapters.webhooks import store as webhook_store
from referral_engine.adapters.webhooks.sender import Policy
from referral_engine.adapters.webhooks.store import PostgresEventLog, PostgresWebhooks
from referral_engine.adapters.webhooks.worker import WebhookWorker
from referral_engine.application.agencies import Agencies
from referral_engine.application.engine import Clock, Engine, utc_now
from referral_engine.application.erasures import Erasures
from referral_engine.application.event_feed import EventFeed
from referral_engine.application.publications import Statistics
from referral_engine.application.search import Search
from referral_engine.application.webhooks import Webhooks
from referral_engine.config import Settings
from referral_engine.workflows.loader import WorkflowRegistry

PERSONS = "persons"
"""The blind index's read model, rebuilt when the master key (and so the search key) rotates."""
MASTER_FILE = "master.key"
"""The embedded demo's generated master key, under `home`."""


class RegistryOpener:
    """Opens the agency registry's store when first needed (a command naming an agency, a page
    of the registry): processes that never read it open no connection for it. `seed`, if set
    before, is handed the registry once it is opened (tests fill it with synthetic agencies)."""

    def __init__(self, open_store: Callable[[], AgencyStore], clock: Clock) -> None:
        self.open_store = open_store
        self.clock = clock
        self.seed: Callable[[Agencies], object] | None = None
        self.opened: Agencies | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Agencies:
        opened = self.opened
        if opened is not None:
            return opened
        with self._lock:  # two requests may ask first at once
            if self.opened is None:
                registry = Agencies(self.open_store(), self.clock)
                if self.seed is not None:
                    self.seed(registry)
                self.opened = registry
            return self.opened

    def close(self) -> None:
        if self.opened is not None:
            self.opened.store.close()
            self.opened = None


@dataclass
class Runtime:
    """Everything wired for one process; close it to release the pool and the embedded server."""

    engine: Engine
    settings: Settings
    database_url: str
    db: Database
    users: Users
    audit: AuditLog
    projections: Projections
    sessions: ServerSessions
    limits: SignInLimits
    open_agencies: RegistryOpener
    embedded: EmbeddedPostgres | None = field(default=None, repr=False)
    master_file: Path | None = None
    """Where the master key came from when it is the embedded demo's generated file."""

    @cached_property
    def erasures(self) -> Erasures:
        """Erasure requests and their approval by a second person."""
        return Erasures(self.engine, PostgresErasureRequests(self.db))

    @property
    def agencies(self) -> Agencies:
        """The agency registry, on its own event store (table `agencies_events`), opened when
        first used: commands naming no agency never read it."""
        return self.open_agencies()

    @cached_property
    def search(self) -> Search:
        """Search for persons in the blind index (the persons read model)."""
        blind = self.projections.decode.blind
        assert blind is not None
        return Search(self.projections, blind, self.engine.workflows)

    @cached_property
    def notifications(self) -> NotificationStore:
        """What each user was told, read and marked read."""
        return NotificationStore(self.db)

    @cached_property
    def notifier(self) -> Notifier:
        """The notification worker's parts: notices of events and deadlines, and e-mail."""
        return Notifier.of(
            self.projections, self.db, self.settings, lambda: self.engine.clock().date()
        )

    @cached_property
    def webhooks(self) -> Webhooks:
        """Webhook subscriptions and their deliveries (the worker sends them: `webhook_worker`)."""
        return Webhooks(
            self._webhook_store,
            self.engine.workflows,
            lambda: self.agencies,
            self.engine.clock,
            allowed=tuple(self.settings.webhook_allowed_networks),
            overlap=timedelta(hours=self.settings.webhook_secret_overlap_hours),
        )

    @cached_property
    def events(self) -> EventFeed:
        """The event feed for other systems (`GET /api/events`)."""
        return EventFeed(self.engine.store, self.engine.workflows, PostgresEventLog(self.db))

    def webhook_worker(self, poll_seconds: float = 1.0) -> WebhookWorker:
        """The worker that feeds the webhook outbox and sends its deliveries (not started)."""
        s = self.settings
        policy = Policy(
            attempts=s.webhook_attempts,
            first_retry=s.webhook_retry_seconds,
            max_retry=s.webhook_retry_max_seconds,
            timeout=s.webhook_timeout_seconds,
            concurrency=s.webhook_concurrency,
            allowed=tuple(s.webhook_allowed_networks),
        )
        return WebhookWorker(
            self.projections,
            self.engine.store,
            self.engine.workflows,
            self._webhook_store,
            policy,
            poll_seconds,
        )

    @cached_property
    def _webhook_store(self) -> PostgresWebhooks:
        keys = self.engine.store.keys
        assert isinstance(keys, PostgresCaseKeys)
        return PostgresWebhooks(self.db, lambda: keys.master)

    @cached_property
    def statistics(self) -> Statistics:
        """Official reports: read, published, reproduced and revised."""
        return Statistics(
            ReportTallies(self.projections),
            self.projections,
            PostgresPublications(self.db),
            self.engine.clock,
        )

    @property
    def display_url(self) -> str:
        return mask_url(self.database_url)

    def close(self) -> None:
        self.engine.store.close()
        self.open_agencies.close()
        self.projections.close()
        self.db.close()
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def build(settings: Settings | None = None, *, clock: Clock = utc_now) -> Runtime:
    """Wire the engine on PostgreSQL: the configured server, or an embedded one under `home`."""
    settings = settings or Settings()
    workflows = WorkflowRegistry.from_directory(settings.workflows_dir)
    embedded = None
    url = settings.database_url
    if url is None:
        embedded = EmbeddedPostgres(settings.home)
        url = embedded.url()
    try:
        master = master_key(settings, embedded=embedded is not None)
        connect(url, settings.connect_timeout_seconds).close()
        ensure_schema(url, settings.database_schema, settings.connect_timeout_seconds)
        db = Database(  # a request waits this long for a connection, then answers 503
            url, settings.database_schema, settings.pool_size, settings.connect_timeout_seconds
        )
        keys = _case_keys(db, master)
        env, personal = eventsourcing_env(url, settings), _personal(workflows)
        opening = partial(CaseStore, env=env, keys=keys, personal=personal)  # many may start
        store = created_alone(url, settings.connect_timeout_seconds, opening)
        projections = _projections(url, settings, workflows, store, clock)
    except BaseException:
        if embedded is not None:
            embedded.stop()
        raise
    roles = {role for w in workflows for role in w.roles}
    agencies = RegistryOpener(partial(_agency_store, url, settings), clock)
    engine = Engine(store, workflows, clock, agencies)
    engine.recalls = HtcdsLedger(db, lambda: keys.master).recalls  # an erasure names its files
    users, audit_log = Users(db, roles, settings.token_days), AuditLog(db)
    signed_in = ServerSessions(db, settings.session_idle_minutes, settings.session_hours)
    limits = SignInLimits(db, Limits.of(settings))
    master_file = _master_file(settings) if embedded is not None else None
    return Runtime(
        engine, settings, url, db, users, audit_log, projections, signed_in, limits, agencies,
        embedded, master_file,
    )  # fmt: skip


def _agency_store(url: str, settings: Settings) -> AgencyStore:
    env = eventsourcing_env(url, settings)
    env["POSTGRES_POOL_SIZE"] = "1"  # a few admins' writes and cached reads: no pool of its own
    return open_agency_store(url, env, settings.connect_timeout_seconds)


def _projections(
    url: str, settings: Settings, workflows: WorkflowRegistry, store: CaseStore, clock: Clock
) -> Projections:
    """The read models, on a pool of their own with the commands' timeouts, decoding events
    with the store's transcoder (and its events' upcasters)."""
    db = ReadModelDatabase(
        url,
        settings.database_schema,
        timeout=settings.connect_timeout_seconds,
        size=settings.pool_size,
    )
    keys = store.keys
    assert isinstance(keys, PostgresCaseKeys)
    blind = BlindIndex(keys.master, keys)  # the persons read model's search key
    models = discover(settings.projections_dir)
    projections = Projections(db, models, workflows, store.mapper.transcoder, blind)
    try:
        projections.migrate()
        projections.ensure_built()
        track_notifications(projections, clock().date())
    except BaseException:
        projections.close()
        raise
    return projections


def track_notifications(projections: Projections, today: date) -> None:
    """Notifications begin at the head of the event log, and today, the first time a version
    with notifications runs: what happened before tells nobody."""
    with projections.db.connection() as conn:
        conn.execute(
            "insert into notification_tracking (name, position, began_after, started_on) "
            "select %s, head, head, %s from "
            "(select coalesce(max(notification_id), 0) as head from cases_events) as log "
            "on conflict (name) do nothing",
            [notification_store.EVENTS, today],
        )


def _case_keys(db: Database, master: MasterKey) -> PostgresCaseKeys:
    """The case key store, refusing to start on a master key that is not the current one."""
    try:
        db.migrate(
            *security.SCHEMA,
            *sessions.SCHEMA,
            *lockout.SCHEMA,
            *case_keys.SCHEMA,
            *erasures.SCHEMA,
            *publications.SCHEMA,
            *htcds_exports.SCHEMA,
            *demo_marker.SCHEMA,
            *notification_store.SCHEMA,
            *webhook_store.SCHEMA,
        )
        audit.migrate(db)
        keys = PostgresCaseKeys(db, master)
        keys.ensure_current()
    except BaseException:
        db.close()
        raise
    return keys


def rotate_master(runtime: Runtime, new: MasterKey) -> int:
    """Re-wrap every case key under `new`; the embedded demo's key file then holds `new`, so
    the next start opens the cases (the old key is gone from it). Returns how many keys."""
    keys = runtime.engine.store.keys
    assert isinstance(keys, PostgresCaseKeys)
    count = keys.rotate(new, also=[webhook_store.rewrap_secrets])
    if runtime.master_file is not None:
        new.replace_file(runtime.master_file)
    blind = runtime.projections.decode.blind
    if blind is not None and PERSONS in runtime.projections.models:
        blind.rekey(new)  # the search key is derived from the master key: index afresh
        runtime.projections.rebuild(PERSONS)
    return count


def build_in_memory(settings: Settings | None = None, *, clock: Clock = utc_now) -> Engine:
    """The engine on the in-memory event store (and an in-memory agency registry, opened when
    first needed: `engine.open_agencies`), for fast unit tests of the rules."""
    settings = settings or Settings()
    workflows = WorkflowRegistry.from_directory(settings.workflows_dir)
    store = CaseStore(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        keys=MemoryCaseKeys(),
        personal=_personal(workflows),
    )
    return Engine(store, workflows, clock, RegistryOpener(_memory_agency_store, clock))


def build_agencies_in_memory(*, clock: Clock = utc_now) -> Agencies:
    """The agency registry on the in-memory event store, for fast unit tests of its rules."""
    return Agencies(_memory_agency_store(), clock)


def _memory_agency_store() -> AgencyStore:
    return AgencyStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def master_key(settings: Settings, *, embedded: bool) -> MasterKey:
    """The configured master key; the embedded server keeps a generated one under `home`."""
    if settings.master_key is not None:
        return MasterKey.parse(settings.master_key.get_secret_value())
    if embedded:
        return MasterKey.in_file(settings.home / MASTER_FILE)
    raise MasterKeyError(
        "REFERRAL_ENGINE_MASTER_KEY is required with an external database: generate one with "
        "`referral-engine keys generate` and keep it apart from the database's backups"
    )


def _master_file(settings: Settings) -> Path | None:
    return settings.home / MASTER_FILE if settings.master_key is None else None


def _personal(workflows: WorkflowRegistry) -> Callable[[str, int], Iterable[str]]:
    def personal(workflow_id: str, version: int) -> Iterable[str]:
        return workflows.get(workflow_id, version).personal

    return personal
