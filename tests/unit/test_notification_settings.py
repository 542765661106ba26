"""What notifications are configured by: the deadlines' notice keys (checked when a workflow is
loaded), the SMTP URL and the users' e-mail addresses; and what an e-mail holds."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from referral_engine.adapters.notifications.mail import message
from referral_engine.config import Settings, SmtpTarget
from referral_engine.domain.addresses import email_address
from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.errors import InvalidData, InvalidWorkflow
from referral_engine.entrypoints.cli.main import app
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import translator
from referral_engine.workflows.loader import WorkflowRegistry, parse
from tests.factories import WORKFLOWS

UKRAINE_V1: dict[str, Any] = yaml.safe_load((WORKFLOWS / "ukraine-nrm.yaml").read_text("utf-8"))


def with_notices(**keys: object) -> dict[str, Any]:
    """Version 1 of the Ukraine file with notice keys on its police verification deadline."""
    doc = copy.deepcopy(UKRAINE_V1)
    deadline = next(d for d in doc["deadlines"] if d["name"] == "police_verification")
    deadline.update(keys)
    return doc


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"remind_before": 10}, "deadlines[1].remind_before: must be fewer than the deadline's 10"),
        ({"escalate_to": ["boss"]}, "deadlines[1].escalate_to: unknown role 'boss'"),
        ({"escalate_to": ["supervisor"] * 2}, "'supervisor' is listed 2 times"),
        ({"answered_on": ["StatusGranted"]}, "'StatusGranted' is not among the events that stop"),
    ],
)
def test_notice_keys_that_make_no_sense_are_refused(keys: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidWorkflow, match=problem.replace("[", r"\[").replace("]", r"\]")):
        parse(with_notices(**keys))


def test_a_referral_deadline_needs_no_answered_on() -> None:
    doc = copy.deepcopy(UKRAINE_V1)
    doc["deadlines"][-1]["answered_on"] = ["ReferralAccepted"]
    with pytest.raises(InvalidWorkflow, match="referral's sender is told of its answer anyway"):
        parse(doc)


def test_the_notices_added_in_place_change_nothing_but_notices() -> None:
    registry = WorkflowRegistry.from_directory(WORKFLOWS)
    for workflow_id, before, after in (("ukraine-nrm", 3, 4), ("uk-nrm", 2, 3)):
        plain = [
            replace(d, remind_before=None, escalate_to=(), answered_on=())
            for d in registry.get(workflow_id, after).deadlines
        ]
        assert plain == list(registry.get(workflow_id, before).deadlines)
    (verification,) = [
        d for d in registry.get("ukraine-nrm", 4).deadlines if d.name == "police_verification"
    ]
    assert verification.escalate_to == ("supervisor",)


def test_a_reminder_counts_working_days_back_from_the_due_date() -> None:
    calendar = WorkCalendar(holidays=frozenset({date(2026, 3, 9)}))
    assert calendar.before(date(2026, 3, 12), 2, working=True) == date(2026, 3, 10)
    assert calendar.before(date(2026, 3, 10), 2, working=True) == date(2026, 3, 5)  # Mon off
    assert calendar.before(date(2026, 3, 10), 2, working=False) == date(2026, 3, 8)


def test_the_smtp_url_is_read_and_checked_without_echoing_it() -> None:
    assert Settings().smtp is None
    given = Settings(smtp_url="smtp://mailer:s%40cret@mail.example.org:2525?starttls=true")
    assert given.smtp == SmtpTarget("mail.example.org", 2525, "mailer", "s@cret", "starttls")
    assert Settings(smtp_url="smtps://mail.example.org").smtp == SmtpTarget(
        "mail.example.org", 465, None, None, "tls"
    )
    for bad in ("http://x", "smtp://u:hidden@h:0", "smtps://h?starttls=true", "smtp://h?x=1"):
        with pytest.raises(ValidationError) as refused:
            Settings(smtp_url=bad)
        assert "hidden" not in str(refused.value)


def test_a_password_goes_to_the_smtp_server_only_over_tls_or_on_this_machine() -> None:
    with pytest.raises(ValidationError, match="sent only over TLS") as refused:
        Settings(smtp_url="smtp://mailer:hidden@mail.example.org:587")
    assert "hidden" not in str(refused.value)
    for fine in (
        "smtp://mailer:pw@mail.example.org:587?starttls=true",
        "smtps://mailer:pw@mail.example.org",
        "smtp://mailer:pw@localhost:25",
        "smtp://mailer:pw@127.0.0.1:25",
        "smtp://mailer:pw@[::1]:25",
        "smtp://mail.example.org",  # no password: nothing secret goes in the clear
    ):
        assert Settings(smtp_url=fine).smtp is not None


def test_a_worker_polls_at_a_sane_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERRAL_ENGINE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    runner = CliRunner()
    for command in ("notifications", "projections"):
        for bad in ("0", "nan", "inf"):
            ran = runner.invoke(app, [command, "run", "--poll", bad])
            assert ran.exit_code == 2 and "--poll" in ran.output, (command, bad, ran.output)


def test_an_e_mail_address_is_plain_and_worded_in_both_languages() -> None:
    assert email_address(" anna@shelter.example.org ") == "anna@shelter.example.org"
    for bad in (
        "anna",
        "anna@",
        "a b@c.org",
        "anna@c.org\nBcc: x@y.org",
        "<a@b.org>",
        "a@b.org,c@d",
        "=?utf-8?q?spy=40evil.example=2C?=@b.org",  # decoded: `To: spy@evil.example,@b.org`
        "=?utf-8?q?x=0D=0ABcc=3A_spy=40evil.example?=@b.org",  # decoded: a Bcc header
    ):
        with pytest.raises(InvalidData) as refused:
            email_address(bad)
    (problem,) = refused.value.problems
    assert "латиниця" in explain.field_problem(problem, translator("uk"))
    with pytest.raises(ValidationError, match="mail_from"):
        Settings(mail_from="=?utf-8?q?spy=40evil.example?=@nrm.example.org")


def test_an_e_mail_holds_a_case_reference_and_a_link_and_nothing_else() -> None:
    case_id = UUID("6f1c2a3b-0000-4000-8000-000000000001")
    row = (1, "anna@example.org", "<m1@example.org>", 0, "deadline_due", case_id, date(2026, 3, 12))
    mail = message(row, "engine@example.org", "https://nrm.example.org/")
    body = mail.get_content()
    assert f"https://nrm.example.org/cases/{case_id}" in body
    assert "6f1c2a3b" in mail["Subject"] and "2026-03-12" in body
    assert mail["Message-ID"] == "<m1@example.org>"
    assert set(mail.keys()) >= {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted"}
