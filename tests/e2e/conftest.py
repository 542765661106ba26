"""The real app on PostgreSQL, driven through HTTP (FastAPI's TestClient), with users per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from referral_engine.api.app import create_app
from referral_engine.bootstrap import Runtime

KYIV = "Kyivska"
LVIV = "Lvivska"


@dataclass(frozen=True)
class Caller:
    """A signed-in user: their name, role and the Authorization header to send."""

    name: str
    role: str
    agency: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Callers(dict[str, Caller]):
    def add(
        self, runtime: Runtime, name: str, role: str, agency: str, regions: list[str]
    ) -> Caller:
        runtime.users.add(name, role, agency, regions)
        caller = Caller(name, role, agency, runtime.users.issue_token(name))
        self[name] = caller
        return caller


@pytest.fixture
def client(pg_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def callers(pg_runtime: Runtime) -> Callers:
    """One user per role in Kyivska, plus a Lviv caseworker and an all-regions admin."""
    found = Callers()
    found.add(pg_runtime, "screener", "nrm_actor", "ngo-synthetic", [KYIV])
    found.add(pg_runtime, "lsa", "lsa_official", "lsa-kyivska", [KYIV])
    found.add(pg_runtime, "police", "police", "police-kyivska", [KYIV])
    found.add(pg_runtime, "decider", "decision_maker", "msp-kyivska", [KYIV])
    found.add(pg_runtime, "shelter", "service_provider", "shelter-kyiv", [KYIV])
    found.add(pg_runtime, "clinic", "service_provider", "clinic-kyiv", [KYIV])
    found.add(pg_runtime, "supervisor", "supervisor", "lsa-kyivska", [KYIV])
    found.add(pg_runtime, "analyst", "analyst", "msp-analytics", [KYIV])
    found.add(pg_runtime, "lviv-lsa", "lsa_official", "lsa-lvivska", [LVIV])
    found.add(pg_runtime, "admin", "admin", "it", ["*"])
    return found
