"""The read models' connections: a pool for short work and dedicated connections for a rebuild's
pipeline, both giving up as commands do (the connect timeout), as DatabaseUnavailable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from referral_engine.adapters.database import DatabaseUnavailable, connect, mask_url


class ReadModelDatabase:
    """Connections to the read models' database with the event schema on the search path."""

    def __init__(self, url: str, schema: str, *, timeout: int = 5, size: int = 4) -> None:
        self.url = url
        self.schema = schema
        self.timeout = timeout
        self._options = f"-c search_path={schema}"
        # opened without waiting: a server that is down fails each use after `timeout`, not
        # the process start (the pool keeps trying to connect in the background)
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            kwargs={"options": self._options, "connect_timeout": timeout},
            timeout=timeout,
            # checked on checkout (one round trip): after a restart of the server, a stale
            # connection is replaced at once instead of failing a dashboard or a worker round
            check=ConnectionPool.check_connection,
            name="read-models",
            open=True,
        )

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (committed on success); DatabaseUnavailable after the timeout."""
        try:
            conn = self.pool.getconn()
        except PoolTimeout:
            raise DatabaseUnavailable(
                f"no read-model connection to {mask_url(self.url)} within {self.timeout} s"
            ) from None
        try:
            with conn:
                yield conn
        finally:
            self.pool.putconn(conn)

    def dedicated(self, **kwargs: Any) -> psycopg.Connection[Any]:
        """A connection of its own, for work that holds it long (a rebuild's reader, writers)."""
        return connect(self.url, self.timeout, options=self._options, **kwargs)

    def close(self) -> None:
        self.pool.close()
