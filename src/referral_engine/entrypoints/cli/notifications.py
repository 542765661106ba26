"""`referral-engine notifications ...`: the notification worker and its e-mail."""

from __future__ import annotations

import signal
import threading

import typer

from referral_engine.entrypoints.cli.console import Poll, out, runtime

app = typer.Typer(no_args_is_help=True, help="Notifications: the worker, its status, its e-mail.")


@app.command("run")
def notifications_run(
    poll: Poll = 1.0,
) -> None:
    """Run the notification worker in the foreground (until interrupted)."""
    from referral_engine.adapters.notifications.worker import NotificationWorker

    with runtime() as rt:
        worker = NotificationWorker(
            rt.notifier, poll_seconds=poll, scan_seconds=rt.settings.notification_scan_seconds
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker.start()
        mail = "with e-mail" if rt.notifier.mailer is not None else "in-app only (no SMTP URL)"
        out.print(f"notification worker running on {rt.display_url}, {mail}; Ctrl-C to stop")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()


@app.command("status")
def notifications_status() -> None:
    """How far the worker has read the event log, what it set aside, what e-mail waits."""
    with runtime() as rt:
        st = rt.notifier.events.status()
        out.print(
            f"position {st.position} of {st.head} (lag {st.head - st.position} events); "
            f"parked {st.parked}; notices {st.notices}; e-mail pending {st.mail['pending']}, "
            f"sent {st.mail['sent']}, failed {st.mail['failed']}",
            highlight=False,
        )
        for p in rt.notifier.events.parked():
            out.print(
                f"parked: position {p.position}  case {p.case_id} v{p.case_version}  "
                f"{p.error_class}: {p.error_message}",
                soft_wrap=True,
                highlight=False,
                markup=False,
            )


@app.command("retry-mail")
def notifications_retry_mail() -> None:
    """Send the e-mail set aside as failed again (after fixing the SMTP settings, say)."""
    with runtime() as rt:
        with rt.db.pool.connection() as conn:
            n = conn.execute(
                "update mail_outbox set status = 'pending', attempts = 0, "
                "next_attempt_at = now() where status = 'failed'"
            ).rowcount
        out.print(f"{n} e-mail(s) will be sent again by the worker")
