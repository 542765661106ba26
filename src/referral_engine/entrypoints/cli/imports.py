"""`referral-engine import FILE --workflow ID --mapping MAPPING.yaml`: a past register's rows as
backdated cases (docs/import.md), with a progress bar; Ctrl-C (or SIGTERM) stops after the batch
being written, and running the command again goes on from there without duplicates."""

from __future__ import annotations

import getpass
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from referral_engine.application.importing import ImportReport, Imports, report_csv
from referral_engine.application.mapping_yaml import MAPPING_BYTES, mapping_text
from referral_engine.application.registers import Register, read_register
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.entrypoints.cli import console
from referral_engine.entrypoints.cli.console import mark, out, runtime

FILE_MAX = 200 * 1024 * 1024
IMPORTERS = ("admin",)
EXIT_PROBLEMS, EXIT_STOPPED = 1, 130
SHOWN = 50
"""Problems printed; `--report` writes every one."""


def import_register(
    file: Annotated[Path, typer.Argument(help="The register: a .csv or .xlsx file")],
    workflow: Annotated[str, typer.Option(help="The workflow the cases run under")],
    mapping: Annotated[Path, typer.Option(help="The mapping file (docs/import.md)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row, write nothing")
    ] = False,
    region: Annotated[str | None, typer.Option(help="The one region of every row")] = None,
    version: Annotated[int | None, typer.Option(help="Workflow version (default: newest)")] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Your user name: a known admin (else your OS user)")
    ] = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Write every row not imported to this CSV")
    ] = None,
) -> None:
    """Import a past register: each row a backdated case, refused rows listed with their column."""
    data, text = _read(file, FILE_MAX), mapping_text(_read(mapping, MAPPING_BYTES))
    register = read_register(data, file.name)
    stopping = threading.Event()
    previous = {s: signal.signal(s, _stop_on(stopping)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with runtime() as rt:
            if as_ is not None:
                actor = console.operator(rt, as_, IMPORTERS).actor
            else:
                actor = Actor(f"os:{getpass.getuser()}", "operator", "command-line")
            imports = Imports(rt.engine.store, rt.engine.workflows, rt.engine.clock)
            report = _with_bar(imports, register, workflow, text, actor, dry_run, region, version,
                               stopping)  # fmt: skip
            mark.detail = report.summary()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _print(report)
    if report_file is not None:
        try:
            report_file.write_bytes(report_csv(report))
        except OSError as exc:
            unwritable = f"cannot be written ({exc.strerror})"
            raise InvalidData([FieldProblem("--report", unwritable)]) from None
        out.print(f"every row not imported: {report_file}", highlight=False, markup=False)
    if report.stopped:
        raise typer.Exit(EXIT_STOPPED)
    if report.counts["refused"] or report.counts["changed"]:
        raise typer.Exit(EXIT_PROBLEMS)


def _with_bar(
    imports: Imports,
    register: Register,
    workflow: str,
    text: str,
    actor: Actor,
    dry_run: bool,
    region: str | None,
    version: int | None,
    stopping: threading.Event,
) -> ImportReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>7.0f} rows/s"),
    )
    with Progress(*columns, console=out) as bar:
        task = bar.add_task(register.name, total=len(register.rows), rate=0.0)
        started = time.perf_counter()

        def show(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, total=total, rate=rate)

        return imports.run(
            register, workflow, text, actor=actor, dry_run=dry_run, region=region,
            version=version, progress=show, stop=stopping.is_set,
        )  # fmt: skip


def _stop_on(stopping: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():  # a second Ctrl-C: stop now (the batch in flight is rolled back)
            raise KeyboardInterrupt
        stopping.set()
        console.err.print("stopping after the batch being written (Ctrl-C again to abort)")

    return handler


def _read(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InvalidData(
            [FieldProblem(str(path.name), f"cannot be read ({exc.strerror})")]
        ) from None
    if len(data) > limit:
        raise InvalidData([FieldProblem(str(path.name), f"is larger than {limit:,} bytes")])
    return data


def _print(report: ImportReport) -> None:
    doing = "would be " if report.dry_run else ""
    counts = ", ".join(f"{n} {doing}{k}" for k, n in report.as_dict()["counts"].items() if n)
    out.print(
        f"{report.file_name} ({report.file_digest[:12]}) as {report.register} under "
        f"{report.workflow}: {report.done} of {report.rows} rows: {counts or 'none'}",
        highlight=False,
        markup=False,
    )
    lines = [(r, column, problem) for r in report.listed for column, problem in r.problems]
    for r, column, problem in lines[:SHOWN]:
        out.print(
            f"row {r.row} (id {r.row_id or '-'}) {r.outcome}: {column or 'row'}: {problem}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if len(lines) > SHOWN:
        out.print(f"... and {len(lines) - SHOWN} more (--report FILE writes them all)")
    if report.stopped:
        out.print("stopped: run the same command again to go on (rows already in are skipped)")
