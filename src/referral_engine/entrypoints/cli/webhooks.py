"""`referral-engine webhooks ...`: webhook subscriptions and their deliveries. Admins (`--as`)
add and end subscriptions and send deliveries again; `run` is the delivery worker as a process of
its own (docs/webhooks.md)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Annotated
from uuid import UUID

import typer

from referral_engine.domain.webhooks import DELIVERY_STATES, Subscription
from referral_engine.entrypoints.cli import console
from referral_engine.entrypoints.cli.console import Poll, mark, out, runtime

app = typer.Typer(
    no_args_is_help=True,
    help="Webhook subscriptions: add, list, rotate-secret, end, deliveries, redeliver, run.",
)
MANAGERS = ("admin",)
Admin = Annotated[str, typer.Option("--as", help="Your user name: a known admin (audited)")]


@app.command("add")
def webhooks_add(
    kind: Annotated[str, typer.Argument(help="agency or integration")],
    name: Annotated[str, typer.Argument(help="The registered agency's id or the integration's")],
    url: Annotated[str, typer.Argument(help="http:// or https://, no user or password in it")],
    as_: Admin,
    role: Annotated[str | None, typer.Option(help="agency: whose need-to-know it gets")] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="A region code (repeat)")
    ] = None,
    event: Annotated[
        list[str] | None, typer.Option("--event", help="An event type (repeat; none: all)")
    ] = None,
    secret: Annotated[
        bool,
        typer.Option(
            "--secret",
            help="Ask for the signing secret, whsec_... (hidden; read from standard input when "
            "it is not a terminal). Without it one is generated",
        ),
    ] = False,
) -> None:
    """Register a subscription; prints its signing secret, this once."""
    given = _ask_secret() if secret else None  # never on the command line: it is audited
    with runtime() as rt:
        actor = console.operator(rt, as_, MANAGERS).actor
        found, shown = rt.webhooks.subscribe(
            kind,
            name,
            url,
            role=role,
            regions=region,
            events=event or [],
            secret=given,
            actor=actor,
        )
        mark.detail = {"subscription": str(found.id), "kind": kind, "name": name, "url": url}
    out.print(f"subscription {found.id}", highlight=False)
    out.print(f"secret (shown once): {shown}", highlight=False, markup=False)


@app.command("list")
def webhooks_list() -> None:
    """Every subscription: id, kind, name, role, regions, URL, event types, deliveries."""
    with runtime() as rt:
        found = [(s, rt.webhooks.counts(s.id)) for s in rt.webhooks.listed()]
    for s, counts in found:
        _print(s, counts)
    if not found:
        out.print("no subscriptions")


@app.command("end")
def webhooks_end(subscription: UUID, as_: Admin) -> None:
    """End a subscription: nothing more is sent to it."""
    with runtime() as rt:
        console.operator(rt, as_, MANAGERS)
        mark.detail = {"subscription": str(subscription)}
        found = rt.webhooks.end(subscription)
    out.print(f"ended {found.id} at {found.ended_at:%Y-%m-%d %H:%M:%S}", highlight=False)


@app.command("deliveries")
def webhooks_deliveries(
    subscription: UUID,
    state: Annotated[str | None, typer.Option(help=", ".join(DELIVERY_STATES))] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """A subscription's deliveries, newest event first."""
    if state is not None and state not in DELIVERY_STATES:
        raise typer.BadParameter(f"must be one of {', '.join(DELIVERY_STATES)}")
    with runtime() as rt:
        found = rt.webhooks.deliveries(subscription, state, limit)
    for d in found:
        said = f" (last: {d.last_error})" if d.last_error else ""
        out.print(
            f"{d.id}  {d.event_type}  case {d.case_id} v{d.case_version}  {d.state}  "
            f"{d.attempts} attempts{said}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if not found:
        out.print("no deliveries")


@app.command("rotate-secret")
def webhooks_rotate_secret(
    subscription: UUID,
    as_: Admin,
    secret: Annotated[
        bool,
        typer.Option(
            "--secret",
            help="Ask for the new secret, whsec_... (hidden; read from standard input when it "
            "is not a terminal). Without it one is generated",
        ),
    ] = False,
) -> None:
    """Give a subscription a new signing secret, printed this once; the one before it also
    signs for REFERRAL_ENGINE_WEBHOOK_SECRET_OVERLAP_HOURS."""
    given = _ask_secret() if secret else None
    with runtime() as rt:
        console.operator(rt, as_, MANAGERS)
        mark.detail = {"subscription": str(subscription)}
        found, shown = rt.webhooks.rotate_secret(subscription, given)
    until = found.previous_secret_until
    before = f"; the one before it signs too until {until:%Y-%m-%d %H:%M:%S %Z}" if until else ""
    out.print(f"new secret (shown once): {shown}{before}", highlight=False, markup=False)


@app.command("redeliver")
def webhooks_redeliver(
    subscription: UUID,
    as_: Admin,
    delivery: Annotated[
        str | None, typer.Option(help="One delivery (msg_...); none: all parked")
    ] = None,
) -> None:
    """Send one delivery, or every parked one, again from a first attempt."""
    with runtime() as rt:
        console.operator(rt, as_, MANAGERS)
        mark.detail = {"subscription": str(subscription), "delivery": delivery}
        done = rt.webhooks.redeliver(subscription, delivery)
    out.print(f"{done} to send again", highlight=False)


@app.command("run")
def webhooks_run(
    poll: Poll = 1.0,
) -> None:
    """Run the webhook delivery worker in the foreground (until interrupted)."""
    with runtime() as rt:
        worker = rt.webhook_worker(poll)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker.start()
        out.print(f"webhook worker running on {rt.display_url}; Ctrl-C to stop", highlight=False)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()


def _ask_secret() -> str:
    """The secret typed (hidden), or read from standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    secret: str = typer.prompt("secret (whsec_...)", hide_input=True)
    return secret


def _print(s: Subscription, counts: dict[str, int]) -> None:
    regions = ",".join(s.regions) if s.regions is not None else "every region"
    ended = f"  ended {s.ended_at:%Y-%m-%d}" if s.ended_at else ""
    tally = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none yet"
    out.print(
        f"{s.id}  {s.kind}  {s.name}  {s.role or '-'}  {regions}  {s.url}  "
        f"{','.join(s.events) or 'every event'}  deliveries: {tally}{ended}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
