"""The audit log in words, for its page and its export alike: each entry's action ("Read the
case", "Took step: Record consent" in the words of the case's workflow), its outcome, the role
as its label, the detail worth reading; never a path, route, trigger, role code or event name.

The words themselves are in the catalogues (`audit.*`, docs/translations.md); this module says
which an entry gets. An action no module here words reads "Another action"
(tests/unit/test_audit_words.py finds every action the code records and fails for one without
words)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from referral_engine.adapters.audit import AuditEntry
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.moves import reason_words
from referral_engine.entrypoints.web.workflow_text import WorkflowText, text_of

EXPORT = "audit.export"
"""The action of an export of the log (its entry records the filters)."""

HTTP = (
    *("case.read", "case.list", "case.history", "case.open", "case.step", "case.confirm_date"),
    *("case.erase", "case.personal_data_reads", "case.transfer", "case.transfer_answer"),
    *("case.transfer_withdraw", "case.assign", "case.transfers_waiting"),
    *("case.note", "case.notes", "case.document_upload", "case.documents"),
    *("case.document_download", "case.paper"),
    *("referral.send", "referral.step", "deadline.list", "inbox.list", "events.read"),
    *("erasure.list", "erasure.approve", "erasure.refuse"),
    *("person.search", "person.alerts", "person.link", "person.dismiss", "person.unlink"),
    *("agency.register", "agency.change", "agency.agreement.record", "agency.agreement.end"),
    *("webhook.subscribe", "webhook.end", "webhook.rotate-secret", "webhook.redeliver"),
    *("register.import", "notification.list", "notification.read"),
    *("report.read_exact", "report.publish", "sign_in", EXPORT, "export.htcds"),
)
"""The actions of the API and the pages: each is worded by `audit.do.<action>`."""
CLI = {
    "cli.erase": "case.erase",
    "cli.replay": "case.replay",
    "cli.import": "register.import",
    "cli.demo": "demo",
    "cli.serve": "serve",
    "cli.report": "report.export",
    "cli.export.dashboard": "report.export",
    "cli.export.htcds": "export.htcds",
    "cli.export.recalls": "export.recalls",
    "cli.erasures.list": "erasure.list",
    "cli.erasures.approve": "erasure.approve",
    "cli.erasures.refuse": "erasure.refuse",
    "cli.users.add": "user.add",
    "cli.users.change": "user.change",
    "cli.users.password": "user.password",
    "cli.users.token": "user.token",
    "cli.users.tokens": "user.read",
    "cli.users.sessions": "user.read",
    "cli.users.disable": "user.disable",
    "cli.users.enable": "user.enable",
    "cli.users.revoke": "user.revoke",
    "cli.agencies.add": "agency.register",
    "cli.agencies.change": "agency.change",
    "cli.agencies.list": "agency.read",
    "cli.agencies.show": "agency.read",
    "cli.agencies.history": "agency.read",
    "cli.agencies.agreement": "agency.agreement",
    "cli.webhooks.add": "webhook.subscribe",
    "cli.webhooks.end": "webhook.end",
    "cli.webhooks.rotate-secret": "webhook.rotate-secret",
    "cli.webhooks.redeliver": "webhook.redeliver",
    "cli.webhooks.list": "webhook.read",
    "cli.webhooks.deliveries": "webhook.read",
    "cli.webhooks.run": "webhook.run",
    "cli.audit.verify": "audit.verify",
}
"""Command-line actions (`cli.` and the command) and the words they share with others."""
CLI_GROUPS = {
    "cli.keys": "keys",
    "cli.maintenance": "maintenance",
    "cli.projections": "read_models",
    "cli.notifications": "notifications",
    "cli.workflows": "workflows",
}
"""Command groups worded as a whole, whatever their command."""
TRANSFER_REASONS = frozenset({"case.transfer", "case.transfer_answer"})
"""Actions whose `reason` is a code of the workflow's transfers block (others' are typed)."""


def action_key(action: str) -> str:
    """The message key of an action's words, its step aside."""
    if action in HTTP:
        return f"audit.do.{action}"
    if action in CLI:
        return f"audit.do.{CLI[action]}"
    group = ".".join(action.split(".")[:2])
    if group in CLI_GROUPS:
        return f"audit.do.{CLI_GROUPS[group]}"
    return "audit.do.cli" if action.split(".")[0] == "cli" else "audit.do.other"


def choices(t: Translator) -> list[tuple[str, str]]:
    """The actions a reader filters by, in words, alphabetically: those of the API and the
    pages, then those of the command line (said as such)."""
    http = sorted(((a, t(action_key(a))) for a in HTTP), key=lambda c: c[1].casefold())
    cli = f" ({t('audit.channel.cli')})"
    line = sorted(((a, t(action_key(a)) + cli) for a in CLI), key=lambda c: c[1].casefold())
    return http + line


def known(action: str) -> bool:
    """Whether `action` is one a reader may choose (`choices`)."""
    return action in HTTP or action in CLI


@dataclass(frozen=True)
class Line:
    """One entry as the page and the export show it."""

    at: datetime
    who: str
    role: str
    agency: str
    action: str
    outcome: str
    refused: bool
    case_id: UUID | None
    case_ref: str
    openable: bool
    region: str
    details: list[str]
    cli: bool
    channel: str
    address: str


class Wording:
    """Entries in one language's words, with the loaded workflows' labels for their steps and
    fields, and the names of regions and agencies."""

    def __init__(
        self,
        t: Translator,
        workflows: Iterable[WorkflowDefinition],
        region_name: Callable[[str | None], str],
        agency_name: Callable[[str], str],
    ) -> None:
        self.t = t
        newest = {w.id: w for w in workflows}  # a registry lists each id's versions in order
        self.newest = [text_of(w, t.lang) for w in newest.values()]
        self.region_name, self.agency_name = region_name, agency_name

    def line(self, entry: AuditEntry, workflow: WorkflowDefinition | None, openable: bool) -> Line:
        """The entry in words; `workflow`: its case's (where known), `openable`: whether the
        reader may open its case."""
        text = text_of(workflow, self.t.lang) if workflow is not None else None
        cli = entry.channel == "cli"
        return Line(
            at=entry.at.astimezone(UTC),  # the page and the export say UTC, as the filters
            who=entry.user_name or "",
            role=self.role(entry.role),
            agency="" if cli and entry.role == "operator" else self.agency_name(entry.agency or ""),
            action=self.action(entry, text),
            outcome=self.t(outcome_key(entry.status, cli)),
            refused=entry.status != 0 if cli else entry.status >= 400,
            case_id=entry.case_id,
            case_ref=reference(entry.case_id),
            openable=openable and entry.case_id is not None,
            region=self.region_name(entry.region) if entry.region else "",
            details=self.details(entry, text),
            cli=cli,
            channel=self.t(f"audit.channel.{'cli' if cli else 'http'}"),
            address=entry.address or "",
        )

    def action(self, entry: AuditEntry, text: WorkflowText | None) -> str:
        """What the entry's user did, in words (a step by its title in the case's workflow)."""
        t, code, detail = self.t, entry.action, entry.detail
        if code in ("case.step", "referral.step"):
            referral = code == "referral.step"
            step = self.step(detail.get("trigger"), text, referral=referral)
            return t(f"audit.do.{code}_named", step=step) if step else t(f"audit.do.{code}")
        if code == "case.transfer_answer" and detail.get("answer") in ("accepted", "refused"):
            return t(f"audit.do.case.transfer_{detail['answer']}")
        if code in ("case.erase", "cli.erase") and "erasure_request" in detail:
            return t("audit.do.case.erase_asked")
        if code in ("register.import", "cli.import") and detail.get("dry_run"):
            return t("audit.do.register.check")
        if code == "sign_in" and entry.status >= 400:
            return t("audit.do.sign_in_failed")
        return t(action_key(code))

    def step(self, trigger: object, text: WorkflowText | None, *, referral: bool) -> str | None:
        """A step's title in the case's workflow, else in the first loaded one that has it;
        None when none has (a refused step may name no step at all)."""
        if not isinstance(trigger, str):
            return None
        for found in ([text] if text is not None else []) + self.newest:
            if _has_step(found.workflow, trigger, referral):
                said = found.referral_step(trigger) if referral else found.step(trigger)
                return said if said != trigger else None
        return None

    def role(self, code: str | None) -> str:
        """A role's label: the platform's own roles from the catalogue, a workflow's role by
        its description there (up to its examples in brackets)."""
        if not code:
            return ""
        if self.t.has(f"audit.role.{code}"):
            return self.t(f"audit.role.{code}")
        for text in self.newest:
            if code in text.workflow.roles:
                return text.role(code).split(" (")[0]
        return self.t("audit.role.other")

    def details(self, entry: AuditEntry, text: WorkflowText | None) -> list[str]:
        """What the detail says worth reading, in words (digests, ids and counts left out)."""
        t, d = self.t, entry.detail
        said: list[str] = []
        if fields := d.get("personal_fields"):
            said.append(t("audit.d.personal", fields=self.fields(fields, text)))
        if isinstance(d.get("to_region"), str):
            said.append(t("audit.d.to_region", region=self.region_name(d["to_region"])))
        if entry.action == "case.assign" and "user" in d:
            user = d["user"]
            said.append(t("audit.d.assignee", user=user) if user else t("audit.d.nobody"))
        if isinstance(reason := d.get("reason"), str) and reason:
            if entry.action in TRANSFER_REASONS:
                reason = reason_words(text, reason) if text else reason.replace("_", " ")
            said.append(t("audit.d.reason", reason=reason))
        if isinstance(d.get("agency"), str):
            said.append(t("audit.d.agency", agency=self.agency_name(d["agency"])))
        if isinstance(d.get("file"), str):
            said.append(t("audit.d.file", file=d["file"]))
        if isinstance(d.get("other_case"), str):
            said.append(t("audit.d.other_case", case=d["other_case"][:8]))
        if isinstance(d.get("report"), str) and d.get("from") and d.get("to"):
            said.append(t("audit.d.period", start=d["from"], end=d["to"]))
        if entry.action == EXPORT and isinstance(d.get("filters"), dict):
            said.append(self.filters(d["filters"]))
        return said

    def fields(self, names: object, text: WorkflowText | None) -> str:
        """Personal fields by their labels in the case's workflow (else the first loaded one
        that has them): never a field's name."""
        said: list[str] = []
        for name in names if isinstance(names, list) else []:
            label = self.t("audit.d.personal_field")
            for found in ([text] if text is not None else []) + self.newest:
                if (title := found.data_title(str(name))) != name:
                    label = title
                    break
            if label not in said:
                said.append(label)
        return ", ".join(said)

    def filters(self, given: Mapping[str, Any]) -> str:
        """An export's filters in words (each as its field on the page names it)."""
        t, said = self.t, []
        for key, label in (("from", "audit.from"), ("to", "audit.to"), ("user", "audit.user")):
            if given.get(key):
                said.append(f"{t(label)} {given[key]}")
        if isinstance(given.get("action"), str):
            said.append(f"{t('audit.action')}: {t(action_key(given['action']))}")
        if given.get("case"):
            said.append(f"{t('audit.case')} {given['case']}")
        if isinstance(given.get("region"), str):
            said.append(f"{t('audit.region')}: {self.region_name(given['region'])}")
        return t("audit.d.filters", filters="; ".join(said)) if said else t("audit.d.no_filters")


def outcome_key(status: int, cli: bool) -> str:
    """The message key of an entry's outcome (the command line's status is 0 or 1)."""
    if cli:
        return "audit.outcome.done" if status == 0 else "audit.outcome.cli_failed"
    if status < 400:
        return "audit.outcome.done"
    if status in (400, 422):
        return "audit.outcome.invalid"
    if status in (401, 403, 404, 409, 413, 429, 503):
        return f"audit.outcome.{status}"
    return "audit.outcome.refused" if status < 500 else "audit.outcome.failed"


def reference(case_id: UUID | None) -> str:
    """A case's reference as the pages show it: the first 8 characters of its id."""
    return str(case_id)[:8] if case_id is not None else ""


def _has_step(workflow: WorkflowDefinition, trigger: str, referral: bool) -> bool:
    referrals = workflow.referrals
    if referral:
        return referrals is not None and any(s.trigger == trigger for s in referrals.transitions)
    return any(s.trigger == trigger for s in workflow.transitions)
