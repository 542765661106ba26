"""`referral-engine workflows ...`: validate, show, draw, lint and migrate workflow versions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from referral_engine.config import Settings
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.domain.workflow import TransitionSpec, WorkflowDefinition
from referral_engine.entrypoints.cli.console import err, out, runtime
from referral_engine.workflows.diagram import workflow_svg
from referral_engine.workflows.documents import dump_document
from referral_engine.workflows.loader import (
    WorkflowRegistry,
    file_notes,
    lint_file,
    load_file,
    mermaid,
    resolved_document,
    workflow_files,
)

app = typer.Typer(no_args_is_help=True, help="Validate and inspect workflow files.")


@app.command("validate")
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
        for note in file_notes(file)[0]:  # a trigger declared again: meant, or refused above
            out.print(f"  note {file}: {note}", highlight=False)
    if not files:
        err.print("no workflow files found")
    if failed or not files:
        raise typer.Exit(1)


@app.command("show")
def show(
    workflow_id: str,
    version: Annotated[int | None, typer.Option()] = None,
    resolved: Annotated[
        bool,
        typer.Option(
            "--resolved",
            help="Print the whole definition as YAML instead, a version written as changes "
            "merged onto the versions it extends",
        ),
    ] = False,
) -> None:
    """Print a workflow's states and transitions as tables."""
    folder = Settings().workflows_dir
    w = WorkflowRegistry.from_directory(folder).get(workflow_id, version)
    if resolved:
        sys.stdout.write(dump_document(resolved_document(folder, w.id, w.version)))
        return
    _print_tables(w)


def _print_tables(w: WorkflowDefinition) -> None:
    """The workflow's states, steps (with their conditions) and deadlines as three tables."""
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
    deadlines = Table(
        "deadline", "starts on", "stops on", "within", "notices", "source", title="Deadlines"
    )
    for d in w.deadlines:
        within = f"{d.days} {'working' if d.working_days else 'calendar'} days"
        if d.months:
            within = f"{d.months} calendar month{'s' if d.months != 1 else ''}"
        if d.when:
            within += " if " + " and ".join(str(c) for c in d.when)
        if d.service_target:
            within += " (service target)"
        notices = [f"reminder {d.remind_before} working days before"] if d.remind_before else []
        notices += [f"overdue: tell {', '.join(d.escalate_to)}"] if d.escalate_to else []
        notices += [f"answered on {', '.join(d.answered_on)}"] if d.answered_on else []
        deadlines.add_row(
            d.name,
            ", ".join(d.starts_on),
            ", ".join(d.stops_on),
            within,
            "; ".join(notices),
            d.source,
        )
    out.print(deadlines)


def _only_if(t: TransitionSpec) -> str:
    """A step's conditions in words: flags it needs, recorded data, its earliest date, its
    window, and the values only some cases may record."""
    parts = [f"{flag} set" for flag in t.requires] + [str(c) for c in t.when]
    if t.not_before is not None:
        unit = "working days" if t.not_before.working_days else "days"
        after = " or ".join(t.not_before.after)
        parts.append(f"{t.not_before.days} {unit} after {after}")
    if t.until_allowed is not None:
        parts.append(f"until {t.until_allowed} is allowed")
    parts += [
        f"{v.field} = {v.value} only if {' & '.join(str(c) for c in v.conditions)}"
        for v in t.value_conditions
    ]
    return "; ".join(parts)


@app.command("diagram")
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


@app.command("lint")
def lint_workflows(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders")] = None,
    labels: Annotated[
        bool, typer.Option("--labels", help="Also list what each language does not label yet")
    ] = False,
) -> None:
    """Report dead ends, unreachable states, idle roles, shadowed triggers and personal-looking
    fields not marked pii; exit 1 if any. Deadlines that are service targets (no legal text
    confirms their term) are listed, not counted."""
    files = [f for p in (paths or [Settings().workflows_dir]) for f in workflow_files(p)]
    found = 0
    for file in files:
        targets: list[str] = []
        try:
            findings = lint_file(file, labels=labels)
            targets = file_notes(file)[1]
        except InvalidWorkflow as exc:
            findings = list(exc.problems)
        found += len(findings)
        for finding in findings:
            err.print(f"[yellow]lint[/yellow] {file}: {finding}", highlight=False)
        if not findings:
            out.print(f"[green]clean[/green] {file}", highlight=False)
        for target in targets:  # listed, never counted as a finding
            out.print(f"  service target {file}: {target}", highlight=False)
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


@app.command("migrate", help=MIGRATE_HELP)
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
        scope = Scope(frozenset(region)) if region else None
        report = rt.engine.migrate_cases(
            workflow_id, from_version, to_version, actor=actor, dry_run=dry_run, scope=scope
        )
    verb = "would move" if dry_run else "moved"
    for case_id in report.moved:
        out.print(f"{verb} {case_id}", highlight=False)
    for case_id, reason in report.refused:
        err.print(f"[red]refused[/red] {case_id}: {reason}", highlight=False)
    for case_id, state in report.final:
        out.print(f"stays {case_id}: in the final state '{state}'", highlight=False)
    out.print(
        f"{workflow_id} v{from_version} -> v{to_version}: {len(report.moved)} {verb}, "
        f"{len(report.refused)} refused, {len(report.final)} stay in a final state",
        highlight=False,
    )
    if report.refused:
        err.print(
            f"add their states to `migration.states` in the v{to_version} file, then run again",
            highlight=False,
        )
        raise typer.Exit(1)
