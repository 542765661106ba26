"""`referral-engine keys ...`: the master key and the per-case keys it wraps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from referral_engine.adapters.crypto import MasterKey
from referral_engine.bootstrap import rotate_master
from referral_engine.entrypoints.cli.console import out, runtime

app = typer.Typer(no_args_is_help=True, help="The master key and the per-case keys.")


@app.command("generate")
def keys_generate() -> None:
    """Print a new random master key (set it as REFERRAL_ENGINE_MASTER_KEY)."""
    out.print(MasterKey.generate().text(), highlight=False)


@app.command("rotate-master")
def keys_rotate_master(
    new_key_file: Annotated[
        Path, typer.Option(help="File holding the new master key (from `keys generate`)")
    ],
) -> None:
    """Re-wrap every case key under a new master key; the events are not touched. Then set
    REFERRAL_ENGINE_MASTER_KEY to the new key (the embedded demo's key file is rewritten): the
    old one no longer opens anything, and processes still on it wrap no new case key."""
    try:
        new = MasterKey.parse(new_key_file.read_text("utf-8"))
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {new_key_file}: {exc.strerror}") from None
    with runtime() as rt:
        count = rotate_master(rt, new)
        kept_in = rt.master_file
    out.print(f"re-wrapped {count} case keys under master key {new.id}")
    if kept_in is not None:
        out.print(f"{kept_in} now holds the new key; the next `serve` uses it", highlight=False)
        return
    out.print(
        "now set REFERRAL_ENGINE_MASTER_KEY to the new key and restart every process (those "
        "still on the old key answer 503); then destroy the old key",
        highlight=False,
    )
