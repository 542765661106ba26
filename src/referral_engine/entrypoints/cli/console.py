"""What every command of the CLI shares: the two consoles and the runtime built from Settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings

out = Console(width=None if Console().is_terminal else 140)
err = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 200)


@contextmanager
def runtime() -> Iterator[Runtime]:
    """The wired engine, read models and users for one command, closed when it ends."""
    with build(Settings()) as rt:
        yield rt
