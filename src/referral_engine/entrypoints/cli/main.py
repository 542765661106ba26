"""The `referral-engine` command: thin over bootstrap and the engine; errors as one clear line."""

from __future__ import annotations

import getpass
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from referral_engine.adapters.crypto import MasterKey, MasterKeyError
from referral_engine.adapters.readmodels.engine import ReadModelNotReady
from referral_engine.adapters.security import check_password
from referral_engine.adapters.store import DatabaseUnavailable
from referral_engine.application import demo
from referral_engine.bootstrap import Runtime, build, rotate_master
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import DomainError, InvalidWorkflow
from referral_engine.domain.personal import Disclosure, is_marker, shown_personal
from referral_engine.domain.views import CaseView, HistoryEntry
from referral_engine.domain.workflow import TransitionSpec
from referral_engine.entrypoints.cli import maintenance
from referral_engine.workflows.diagram import workflow_svg
from referral_engine.workflows.loader import (
    WorkflowRegistry,
    lint_file,
    load_file,
    mermaid,
    workflow_files,
)

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
workflows_app = typer.Typer(no_args_is_help=True, help="Validate and inspect workflow files.")
users_app = typer.Typer(no_args_is_help=True, help="Users and their bearer tokens.")
projections_app = typer.Typer(no_args_is_help=True, help="Read models: status, rebuild, run.")
export_app = typer.Typer(no_args_is_help=True, help="Export published figures.")
app.add_typer(export_app, name="export")
app.add_typer(projections_app, name="projections")
app.add_typer(workflows_app, name="workflows")
app.add_typer(users_app, name="users")
keys_app = typer.Typer(no_args_is_help=True, help="The master key and the per-case keys.")
app.add_typer(keys_app, name="keys")
app.add_typer(maintenance.app, name="maintenance")
out = Console(width=None if Console().is_terminal else 140)
err = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 200)


@contextmanager
def runtime() -> Iterator[Runtime]:
    with build(Settings()) as rt:
        yield rt


@workflows_app.command("validate")
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders")] = None,
) -> None:
    """Check workflow files; exit non-zero naming each problem."""
    files = [f for p in (paths or [Settings().workflows_dir]) for f in workflow_files(p)]
    failed = 0
    for file in files:
        try:
            w = load_file(file)
        except InvalidWorkflow as exc:
            failed += 1
            for problem in exc.problems:
                err.print(f"[red]invalid[/red] {file}: {problem}", highlight=False)
            continue
        out.print(
            f"[green]ok[/green] {file}: {w.ref}, {len(w.states)} states, "
            f"{len(w.transitions)} transitions, {len(w.deadlines)} deadlines",
            highlight=False,
        )
    if not files:
        err.print("no workflow files found")
    if failed or not files:
        raise typer.Exit(1)


@workflows_app.command("show")
def show(workflow_id: str, version: Annotated[int | None, typer.Option()] = None) -> None:
    """Print a workflow's states and transitions as tables."""
    w = WorkflowRegistry.from_directory(Settings().workflows_dir).get(workflow_id, version)
    out.print(f"[bold]{w.title}[/bold] ({w.ref})\n{w.source}\n")
    states = Table("state", "title", "terminal", title="States")
    for s in w.states.values():
        states.add_row(s.name, s.title, "yes" if s.terminal else "")
    out.print(states)
    steps = Table(
        "trigger", "event", "from", "to", "roles", "required", "only if", title="Transitions"
    )
    steps.add_row(
        "(open)",
        w.opening.event,
        "",
        w.opening.state,
        ", ".join(sorted(w.opening.roles)),
        ", ".join(f.name for f in w.opening.fields if f.required),
        "",
    )
    for t in w.all_transitions():
        steps.add_row(
            t.trigger,
            t.event,
            ", ".join(t.sources) or "(referral)",
            t.dest or "(same)",
            ", ".join(sorted(t.roles)),
            ", ".join(t.required_fields),
            _only_if(t),
        )
    out.print(steps)
    deadlines = Table("deadline", "starts on", "stops on", "within", "source", title="Deadlines")
    for d in w.deadlines:
        within = f"{d.days} {'working' if d.working_days else 'calendar'} days"
        if d.service_target:
            within += " (service target)"
        deadlines.add_row(d.name, ", ".join(d.starts_on), ", ".join(d.stops_on), within, d.source)
    out.print(deadlines)


def _only_if(t: TransitionSpec) -> str:
    """A step's conditions in words: flags it needs, recorded data, its earliest date."""
    parts = [f"{flag} set" for flag in t.requires] + [str(c) for c in t.when]
    if t.not_before is not None:
        unit = "working days" if t.not_before.working_days else "days"
        after = " or ".join(t.not_before.after)
        parts.append(f"{t.not_before.days} {unit} after {after}")
    return "; ".join(parts)


@workflows_app.command("diagram")
def diagram(
    workflow_id: str,
    version: Annotated[int | None, typer.Option(help="Default: the newest version")] = None,
    svg: Annotated[Path | None, typer.Option(help="Also write the diagram as SVG here")] = None,
) -> None:
    """Print a workflow version's state diagram as Mermaid; write it as SVG when asked."""
    w = WorkflowRegistry.from_directory(Settings().workflows_dir).get(workflow_id, version)
    print(mermaid(w))
    if svg is not None:
        svg.write_text(workflow_svg(w), encoding="utf-8")
        err.print(f"wrote {svg}", highlight=False)


@workflows_app.command("lint")
def lint_workflows(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders")] = None,
    labels: Annotated[
        bool, typer.Option("--labels", help="Also list what each language does not label yet")
    ] = False,
) -> None:
    """Report dead ends, unreachable states, idle roles, shadowed triggers and personal-looking
    fields not marked pii; exit 1 if any."""
    files = [f for p in (paths or [Settings().workflows_dir]) for f in workflow_files(p)]
    found = 0
    for file in files:
        try:
            findings = lint_file(file, labels=labels)
        except InvalidWorkflow as exc:
            findings = list(exc.problems)
        found += len(findings)
        for finding in findings:
            err.print(f"[yellow]lint[/yellow] {file}: {finding}", highlight=False)
        if not findings:
            out.print(f"[green]clean[/green] {file}", highlight=False)
    if found or not files:
        raise typer.Exit(1)


MIGRATE_HELP = (
    "Move the open cases of one workflow version to another, one recorded event per case.\n\n"
    "Each case is decided on its own, not all or nothing: the cases that map are moved even "
    "when others are refused. Refused cases (a state with no counterpart in the new version) "
    "are listed and the command exits 1. It is safe to run again: moved cases are no longer "
    "on the old version, so after adding `migration.states` to the new file a second run "
    "moves the rest."
)


@workflows_app.command("migrate", help=MIGRATE_HELP)
def migrate(
    workflow_id: str,
    from_version: Annotated[int, typer.Option("--from", help="Version the cases run now")],
    to_version: Annotated[int, typer.Option("--to", help="Version to move them to")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would move")] = False,
    operator: Annotated[str, typer.Option(help="Who migrates (recorded in each event)")] = "admin",
    region: Annotated[
        list[str] | None, typer.Option(help="Only cases of this region (repeatable)")
    ] = None,
) -> None:
    """Move the open cases of one workflow version to another, case by case."""
    with runtime() as rt:
        actor = Actor(user_id=operator, role="admin", agency="operations")
        scope = frozenset(region) if region else None
        report = rt.engine.migrate_cases(
            workflow_id, from_version, to_version, actor=actor, dry_run=dry_run, scope=scope
        )
    verb = "would move" if dry_run else "moved"
    for case_id in report.moved:
        out.print(f"{verb} {case_id}", highlight=False)
    for case_id, reason in report.refused:
        err.print(f"[red]refused[/red] {case_id}: {reason}", highlight=False)
    out.print(
        f"{workflow_id} v{from_version} -> v{to_version}: {len(report.moved)} {verb}, "
        f"{len(report.refused)} refused",
        highlight=False,
    )
    if report.refused:
        err.print(
            f"add their states to `migration.states` in the v{to_version} file, then run again",
            highlight=False,
        )
        raise typer.Exit(1)


@app.command("demo")
def run_demo(
    cases: Annotated[int, typer.Option(min=1, max=1000)] = 5,
    workflow: Annotated[str, typer.Option()] = "ukraine-nrm",
    seed: Annotated[int, typer.Option()] = 2011,
) -> None:
    """Open synthetic cases, walk them through a workflow and print each case's history."""
    with runtime() as rt:
        out.print(f"database: {rt.display_url}")
        for case_id in demo.seed(rt.engine, workflow, cases, seed):
            print_case(rt.engine.case(case_id), rt.engine.history(case_id))


@app.command("replay")
def replay(
    case_id: UUID,
    version: Annotated[int | None, typer.Option(help="Replay up to this event number")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="ISO-8601 time with time zone")
    ] = None,
    personal_data: Annotated[
        bool,
        typer.Option(
            "--personal-data",
            help="Also show the personal fields (recorded in the audit log under your OS user)",
        ),
    ] = False,
) -> None:
    """Show a case as it was at a version or at a time, with its history up to then; personal
    fields are redacted unless --personal-data is given."""
    if version is not None and as_of is not None:
        raise typer.BadParameter("give --version or --as-of, not both")
    with runtime() as rt:
        engine = rt.engine
        if version is not None:
            view = engine.case_at_version(case_id, version)
        elif as_of is not None:
            view = engine.case_as_of(case_id, as_of)
        else:
            view = engine.case(case_id)
        history = [h for h in engine.history(case_id) if h.version <= view.version]
        personal = engine.workflows.get(view.workflow_id, view.workflow_version).personal
        if personal_data:
            _audit_cli_read(rt, view, sorted(shown_personal(view.data, personal)))
        else:
            view = replace(view, data=Disclosure(personal, None).data(view.data))
        print_case(view, history, with_data=True)
    if not personal_data and any(name in personal for name in view.data):
        err.print("personal fields redacted; --personal-data shows them (and is audited)")


def _audit_cli_read(rt: Runtime, view: CaseView, fields: list[str]) -> None:
    """Record who read which personal fields through the command line, before showing them."""
    if not fields:
        return
    user = getpass.getuser()
    rt.audit.record(
        user=SimpleNamespace(name=f"os:{user}", role="operator", agency="command-line"),
        action="cli.replay",
        method="CLI",
        path=f"referral-engine replay {view.id}",
        status=0,
        case_id=view.id,
        region=view.region,
        address=socket.gethostname(),
        detail={"personal_fields": fields, "version": view.version},
    )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo cases if empty; print demo tokens")
    ] = False,
) -> None:
    """Run the HTTP API (uvicorn); OpenAPI docs at /docs."""
    import uvicorn

    from referral_engine.entrypoints.asgi import create_app

    with runtime() as rt:
        if with_demo:
            if not rt.engine.store.recorder.max_notification_id():
                demo.seed(rt.engine, "ukraine-nrm", 12)
            issued = demo.demo_users(rt.users)
            out.print("demo users (tokens are shown once; rerun to get new ones):")
            for name, role, token, _ in issued:
                out.print(f"  {name:<28} {role:<17} {token}", highlight=False)
            out.print(f"demo sign-ins for the pages at http://{host}:{port}/sign-in:")
            for name, _, _, password in issued:
                out.print(f"  {name:<28} password: {password}", highlight=False)
        out.print(f"pages: http://{host}:{port}/  (sign in with a user's name and password)")
        out.print(f"serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
        out.print(f"database: {rt.display_url}", highlight=False)
        if workers == 1:
            app_ = create_app(rt, live_projections=rt.settings.run_projections)
            uvicorn.run(app_, host=host, port=port, log_level="info")
        else:
            factory = "referral_engine.api.app:create_app"
            uvicorn.run(factory, factory=True, host=host, port=port, workers=workers)


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="A workflow role, supervisor, analyst or admin")],
    agency: Annotated[str, typer.Option()],
    region: Annotated[list[str], typer.Option(help="Region covered (repeat; * for all)")],
    password: Annotated[
        bool, typer.Option("--password", help="Also ask for a password to sign in to the pages")
    ] = False,
) -> None:
    """Create a user and print their bearer token (shown once; only its hash is kept)."""
    secret = _ask_password() if password else None
    if secret is not None:
        check_password(secret)  # before the user exists: no user half made
    with runtime() as rt:
        user = rt.users.add(name, role, agency, region)
        if secret is not None:
            rt.users.set_password(user.name, secret)
        token = rt.users.issue_token(user.name, "created with the user")
    out.print(f"user {user.name} ({user.role}, {user.agency}; {', '.join(user.regions)})")
    out.print(f"token: {token}", highlight=False)


@users_app.command("password")
def users_password(name: str) -> None:
    """Set or change a user's password for the pages (asked for; only an argon2 hash is kept)."""
    secret = _ask_password()
    with runtime() as rt:
        rt.users.set_password(name, secret)
    out.print(f"password set for {name}")


def _ask_password() -> str:
    """A password typed twice (hidden), or read from standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    secret: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return secret


@users_app.command("token")
def users_token(name: str, label: Annotated[str, typer.Option()] = "") -> None:
    """Issue another token for a user (shown once)."""
    with runtime() as rt:
        out.print(f"token: {rt.users.issue_token(name, label)}", highlight=False)


@users_app.command("tokens")
def users_tokens(name: Annotated[str | None, typer.Argument()] = None) -> None:
    """List tokens (never their values): id, user, label, created, revoked."""
    with runtime() as rt:
        table = Table("id", "user", "label", "created", "revoked")
        for t in rt.users.tokens(name):
            revoked = t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else ""
            table.add_row(
                str(t.id), t.user, t.label, t.created_at.strftime("%Y-%m-%d %H:%M"), revoked
            )
        out.print(table)


@users_app.command("revoke")
def users_revoke(token_id: UUID) -> None:
    """Revoke a token by its id."""
    with runtime() as rt:
        if not rt.users.revoke(token_id):
            err.print(f"error: no live token with id {token_id}")
            raise typer.Exit(1)
    out.print(f"revoked {token_id}")


@projections_app.command("status")
def projections_status() -> None:
    """Each read model's version, position, lag and rebuild progress."""
    with runtime() as rt:
        table = Table(
            "read model", "version", "schema", "position", "lag (events)", "lag (s)", "rebuild"
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
                rebuild,
            )
        out.print(table)


@projections_app.command("rebuild")
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


@projections_app.command("run")
def projections_run(
    poll: Annotated[float, typer.Option(help="Seconds between polls when not woken")] = 1.0,
) -> None:
    """Run the live projection workers in the foreground (until interrupted)."""
    from referral_engine.adapters.readmodels.worker import LiveWorker

    with runtime() as rt:
        worker = LiveWorker(rt.projections, poll_seconds=poll)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker.start()
        out.print(f"projection workers running on {rt.display_url}; Ctrl-C to stop")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()


@export_app.command("dashboard")
def export_dashboard(
    name: str,
    region: Annotated[str | None, typer.Option()] = None,
    start: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout)")] = None,
) -> None:
    """Write a dashboard as CSV for whole months, with the same suppression as the API."""
    from referral_engine.application.dashboards import report, to_csv

    with runtime() as rt:
        if name in rt.projections.models:
            rt.projections.catch_up([name])  # export what the log holds now
        found = report(
            rt.projections,
            name,
            k=rt.settings.suppression_k,
            today=rt.engine.clock().date(),
            region=region,
            start=start.date() if start else None,
            end=end.date() if end else None,
        )
    text = to_csv(found)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {len(found.published.rows)} rows to {output}", highlight=False)


def print_case(view: CaseView, history: list[HistoryEntry], *, with_data: bool = False) -> None:
    title = (
        f"case {view.id} \\[{view.workflow_id} v{view.workflow_version}] region {view.region}: "
        f"[bold]{view.state}[/bold] at version {view.version}"
    )
    out.print(title)  # a line of its own: a table title would wrap to the table's width
    table = Table("#", "occurred", "event", "step", "by")
    for h in history:
        move = f"{h.from_state or '-'} -> {h.to_state}"
        if h.referral_id:
            move = f"referral {h.referral_id}: {move}"
        by = f"{h.actor['role']} ({h.actor['agency']})"
        table.add_row(str(h.version), h.occurred_at.strftime("%Y-%m-%d %H:%M"), h.event, move, by)
    out.print(table)
    for r in view.referrals:
        out.print(f"  referral {r.id}: {r.service} at {r.agency}: {r.state}", highlight=False)
    for d in view.deadlines:
        late = " [red]OVERDUE[/red]" if d.overdue else ""
        out.print(f"  deadline {d.name}: due {d.due_on}{late}", highlight=False)
    for w in view.not_yet_allowed:
        out.print(f"  not before {w.earliest_on}: {w.trigger} (from {w.after})", highlight=False)
    if with_data:
        for key, value in view.data.items():
            shown = f"({value['redacted']})" if is_marker(value) else value
            out.print(f"  {key}: {shown}", highlight=False)
    out.print()


@app.command("erase")
def erase(
    case_id: UUID,
    reason: Annotated[
        str,
        typer.Option(
            help="Lawful ground and request reference, at most 500 characters. Must not contain "
            "personal data (no names, no document numbers): it is kept in clear in the event log"
        ),
    ],
    operator: Annotated[str, typer.Option(help="Who erases (recorded in the event)")] = "admin",
) -> None:
    """Erase a case's personal data: record the erasure, destroy the case key."""
    with runtime() as rt:
        actor = Actor(user_id=operator, role="admin", agency="operations")
        result = rt.engine.erase_personal_data(case_id, reason, actor=actor)
    done = "was already erased" if result.replayed else "erased"
    out.print(f"case {case_id}: personal data {done} (version {result.version})")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random master key (set it as REFERRAL_ENGINE_MASTER_KEY)."""
    out.print(MasterKey.generate().text(), highlight=False)


@keys_app.command("rotate-master")
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


def main() -> None:
    """Entry point: run the app, turning expected failures into one line and an exit code."""
    try:
        app()
    except DatabaseUnavailable as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(2) from None
    except InvalidWorkflow as exc:
        err.print(f"error: invalid workflow\n{exc}", highlight=False)
        raise SystemExit(1) from None
    except DomainError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(1) from None
    except MasterKeyError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(2) from None
    except ReadModelNotReady as exc:
        err.print(f"error: read model '{exc}' is not built yet (projections rebuild {exc})")
        raise SystemExit(1) from None
