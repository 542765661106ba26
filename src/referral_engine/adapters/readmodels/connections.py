"""The read models' connections: a pool for short work and dedicated connections for a rebuild's
pipeline, both giving up as commands do (the connect timeout), as DatabaseUnavailable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from referral_engine.adapters.database import Database, DatabaseUnavailable, connect, mask_url


class ReadModelDatabase(Database):
    """Connections to the read models' database with the event schema on the search path."""

    def __init__(self, url: str, schema: str, *, timeout: int = 5, size: int = 4) -> None:
        # opened without waiting: a server that is down fails each use after `timeout`, not
        # the process start (the pool keeps trying to connect in the background); checked on
        # checkout, so a dashboard or a worker round never fails on a stale connection
        super().__init__(url, schema, size, timeout, checked=True)
        self.url = url
        self.timeout = timeout
        self._options = f"-c search_path={schema}"

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
