"""`referral-engine serve --demo` as `make run` starts it: demo data, printed tokens that work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from functools import partial

import httpx
import psycopg
from psycopg import sql

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.factories import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers_health(base: str) -> bool:
    """The server at `base` answers its health check with 200."""
    try:
        return httpx.get(f"{base}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def test_serve_with_demo_seeds_cases_and_prints_working_tokens(pg_settings: Settings) -> None:
    port = free_port()
    env = {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": str(pg_settings.database_url),
        "REFERRAL_ENGINE_DATABASE_SCHEMA": pg_settings.database_schema,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "referral_engine", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        tokens: dict[str, str] = {}
        job = ""
        assert server.stdout is not None
        for line in server.stdout:
            words = line.split()
            if len(words) == 2 and words[1].startswith("ret_"):
                tokens[words[0]] = words[1]
            if words[:1] == ["demo-lsa-official"] and "ret_" not in line:
                job = line  # the user's password and what they do, in words
            if "serving on" in line:
                assert f"http://127.0.0.1:{port}" in line
                break
        base = f"http://127.0.0.1:{port}"
        wait_until(partial(answers_health, base), what=f"{base}/healthz")
        headers = {"Authorization": f"Bearer {tokens['demo-lsa-official']}"}
        assert httpx.get(f"{base}/api/workflows", headers=headers).status_code == 200
        audit = httpx.get(
            f"{base}/api/audit", headers={"Authorization": f"Bearer {tokens['demo-supervisor']}"}
        )
        assert audit.status_code == 200
        names = {"demo-lsa-official", "demo-supervisor", "demo-analyst", "demo-admin"}
        assert set(tokens) >= names | {"demo-police", "demo-competent-authority"}
        assert "caseworker of the regional social protection department" in job
        assert "lsa_official" not in job  # the job in words, not the role's code
        with psycopg.connect(str(pg_settings.database_url)) as conn:
            table = sql.Identifier(pg_settings.database_schema, "cases_events")
            opened = conn.execute(
                sql.SQL(
                    "select convert_from(state, 'UTF8')::json->>'workflow_id', count(*) from {} "
                    "where originator_version = 1 group by 1"
                ).format(table)
            ).fetchall()
        assert sum(n for _, n in opened) >= 300 and {w for w, _ in opened} == {
            "ukraine-nrm",
            "uk-nrm",
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_believes_no_forwarded_header_unless_a_proxy_is_configured(
    pg_settings: Settings, pg_runtime: Runtime
) -> None:
    pg_runtime.users.add("olena", "lsa_official", "lsa-kyivska", ["UA-32"])
    auth = {"Authorization": f"Bearer {pg_runtime.users.issue_token('olena')}"}
    port = free_port()
    env = {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": str(pg_settings.database_url),
        "REFERRAL_ENGINE_DATABASE_SCHEMA": pg_settings.database_schema,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "referral_engine", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(partial(answers_health, base), what=f"{base}/healthz")
        for n in range(3):
            forged = {**auth, "X-Forwarded-For": f"10.66.0.{n}"}
            assert httpx.get(f"{base}/api/cases", headers=forged).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
    with pg_runtime.db.pool.connection() as conn:
        addresses = conn.execute("select distinct address from audit_log").fetchall()
    assert addresses == [("127.0.0.1",)]
