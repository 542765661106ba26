"""`referral-engine projections ...`: read-model status, blue/green rebuilds, live workers."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Mapping
from typing import Annotated

import typer
from rich.table import Table

from referral_engine.entrypoints.cli.console import Poll, out, runtime

app = typer.Typer(
    no_args_is_help=True, help="Read models: status, rebuild, run, parked events, retry."
)


@app.command("status")
def projections_status() -> None:
    """Each read model's version, position, lag and rebuild progress."""
    with runtime() as rt:
        table = Table(
            "read model",
            "version",
            "schema",
            "position",
            "lag (events)",
            "lag (s)",
            "parked",
            "rebuild",
        )
        for st in rt.projections.status():
            rebuild = (
                f"at {st.rebuild_position}" if st.rebuilding else ("stale" if st.stale else "")
            )
            table.add_row(
                st.name,
                str(st.version),
                st.active_schema or "(not built)",
                str(st.position),
                str(st.lag_events),
                f"{st.lag_seconds:.1f}",
                str(st.parked),
                rebuild,
            )
        out.print(table)


@app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="Read model to rebuild")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Rebuild every read model")] = False,
) -> None:
    """Rebuild read models blue/green from the event log, with a progress bar."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with runtime() as rt:
        names = list(rt.projections.models) if all_ else [name] if name else []
        if not names:
            raise typer.BadParameter("name a read model or give --all")
        unknown = [n for n in names if n not in rt.projections.models]
        if unknown:
            raise typer.BadParameter(f"no read model named {', '.join(unknown)}")
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>9.0f} events/s"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=out) as bar:
            task = bar.add_task(", ".join(names), total=None, rate=0.0)
            started = time.perf_counter()

            def show(done: int, total: int) -> None:
                rate = done / max(time.perf_counter() - started, 1e-9)
                bar.update(task, completed=done, total=total, rate=rate)

            schemas = rt.projections.rebuild_many(names, show)
        for n, schema in schemas.items():
            out.print(f"{n}: now serving from {schema}", highlight=False)


@app.command("parked")
def projections_parked(
    name: Annotated[str | None, typer.Argument(help="Read model (default: every one)")] = None,
) -> None:
    """The events read models could not fold and set aside: where, which case, what failed."""
    with runtime() as rt:
        _known(rt.projections.models, name)
        parked = rt.projections.parked(name)
        if not parked:
            out.print("nothing parked")
        for p in parked:
            out.print(
                f"{p.name}  position {p.position}  case {p.case_id} v{p.case_version}  "
                f"{p.kind or p.topic.rpartition('.')[2]}  {p.error_class}: {p.error_message}  "
                f"first seen {p.first_seen:%Y-%m-%d %H:%M:%S %Z}  attempts {p.attempts}",
                soft_wrap=True,
                highlight=False,
                markup=False,
            )


@app.command("retry")
def projections_retry(
    name: Annotated[str | None, typer.Argument(help="Read model (default: every one)")] = None,
    position: Annotated[
        int | None, typer.Option(help="Rebuild only if the event at this position now folds")
    ] = None,
) -> None:
    """Fold parked events again after a fix: a blue/green rebuild, in log order, run only if
    a parked event now folds; those that still fail stay parked."""
    with runtime() as rt:
        _known(rt.projections.models, name)
        for n in [name] if name else list(rt.projections.models):
            done = rt.projections.retry(n, position)
            rebuilt = "rebuilt" if done.rebuilt else "not rebuilt: nothing parked folds yet"
            refolded = ", ".join(map(str, done.refolded)) or "none"
            out.print(
                f"{n}: {rebuilt}; folded again: {refolded}; still parked: {len(done.still_parked)}",
                soft_wrap=True,
                highlight=False,
            )


def _known(models: Mapping[str, object], name: str | None) -> None:
    if name is not None and name not in models:
        raise typer.BadParameter(f"no read model named {name}")


@app.command("run")
def projections_run(
    poll: Poll = 1.0,
) -> None:
    """Run the live projection workers in the foreground (until interrupted), with the
    duplicate checks behind the persons read model."""
    from referral_engine.adapters.duplicate_checks import DuplicateWorker
    from referral_engine.adapters.readmodels.worker import LiveWorker
    from referral_engine.entrypoints.http.duplicates import duplicates

    with runtime() as rt:
        worker = LiveWorker(rt.projections, poll_seconds=poll)
        checks = DuplicateWorker(rt.projections, duplicates(rt), poll_seconds=poll)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker.start()
        checks.start()
        out.print(f"projection workers running on {rt.display_url}; Ctrl-C to stop")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            checks.stop()
            worker.stop()
