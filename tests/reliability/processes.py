"""The engine's own processes for reliability tests: `referral-engine serve` and
`referral-engine projections run` as subprocesses on a test's database and schema, configured only
through REFERRAL_ENGINE_* variables (as an operator runs them), killed and restarted at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import httpx

from referral_engine.config import Settings
from tests.e2e.test_serve import free_port


def engine_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of an engine process on `settings`' database and schema."""
    return {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": str(settings.database_url),
        "REFERRAL_ENGINE_DATABASE_SCHEMA": settings.database_schema,
        "REFERRAL_ENGINE_HOME": str(settings.home),
        **extra,
    }


class EngineProcess:
    """One engine process: started, SIGKILLed and restarted with the same command and port."""

    def __init__(self, args: list[str], env: dict[str, str], port: int | None = None) -> None:
        self.args = [sys.executable, "-m", "referral_engine", *args]
        self.env = env
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.stderr = Path(env["REFERRAL_ENGINE_HOME"]) / "stderr" / f"{args[0]}-{uuid4().hex[:8]}"

    @classmethod
    def api(cls, settings: Settings, **extra: str) -> EngineProcess:
        port = free_port()
        return cls(["serve", "--port", str(port)], engine_env(settings, **extra), port)

    @classmethod
    def worker(cls, settings: Settings, **extra: str) -> EngineProcess:
        return cls(["projections", "run", "--poll", "0.2"], engine_env(settings, **extra))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> EngineProcess:
        """Start the process; an API process is started once its /healthz answers 200."""
        self.launch()
        self.wait_ready(timeout)
        return self

    def launch(self) -> None:
        self.stderr.parent.mkdir(parents=True, exist_ok=True)
        with self.stderr.open("ab") as errors:  # the process keeps its own copy of the file
            self.process = subprocess.Popen(
                self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=errors
            )

    def said(self) -> str:
        """The end of what the process wrote to stderr (read back if it dies on its own)."""
        return self.stderr.read_bytes()[-3000:].decode(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        if self.port is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"{self.args[3:]} exited with {code}:\n{self.said()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.args[3:]} did not answer /healthz within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, in-flight requests and transactions just stop."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running(*processes: EngineProcess) -> Iterator[tuple[EngineProcess, ...]]:
    """Start the processes; stop whatever still runs at the end, whatever happened."""
    try:
        for process in processes:  # all at once: each takes a second or two to import and wire
            process.launch()
        for process in processes:
            process.wait_ready()
        yield processes
    finally:
        for process in processes:
            process.stop()
