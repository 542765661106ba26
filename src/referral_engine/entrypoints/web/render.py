"""Rendering pages: one Jinja2 environment (autoescaped), the interface language, the frame."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from uuid import uuid4

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from referral_engine.adapters.security import User
from referral_engine.domain.personal import is_marker
from referral_engine.domain.regions import Region
from referral_engine.domain.rules import receiving_roles
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.duplicates import duplicates
from referral_engine.entrypoints.web import case_file, explain, moves
from referral_engine.entrypoints.web.cookies import session, set_session
from referral_engine.entrypoints.web.i18n import DEFAULT, LANG_COOKIE, LANGS, Translator, translator
from referral_engine.entrypoints.web.report_view import readable
from referral_engine.entrypoints.web.workflow_text import WorkflowText, text_of

TEMPLATES = Path(__file__).parent / "templates"
ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGS else DEFAULT


def words_of(request: Request) -> Translator:
    """The interface's words in the request's language."""
    return translator(language(request))


def workflow_words(request: Request, workflow: WorkflowDefinition) -> WorkflowText:
    """A workflow's words in the request's language."""
    return text_of(workflow, language(request))


def nav(user: User | None, receiving: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The sections this user's role may use: (path, message key); the inbox for the roles
    that receive work addressed to their agency (`receiving`, from the loaded workflows)."""
    if user is None:
        return []
    items = []
    if user.role in receiving and gates.INBOX.admits(user.role):
        items.append(("/inbox", "nav.inbox"))
    if gates.CASES.admits(user.role):
        items.append(("/cases", "nav.cases"))
    if gates.DEADLINES.admits(user.role):
        items.append(("/deadlines", "nav.deadlines"))
    if gates.PERSON_ALERTS.admits(user.role):
        items.append(("/person-alerts", "nav.person_alerts"))
    if gates.AUDIT.admits(user.role):
        items.append(("/audit", "nav.audit"))
    if gates.IMPORTS.admits(user.role):
        items.append(("/imports", "nav.imports"))
    items += [
        ("/agencies", "nav.agencies"),
        ("/dashboards", "nav.dashboards"),
        ("/reports", "nav.reports"),
        ("/projections", "nav.projections"),
        ("/workflows", "nav.workflows"),
    ]
    return items


def receiving(request: Request) -> frozenset[str]:
    """The roles the loaded workflows address work to (domain/rules.py `receiving_roles`)."""
    runtime = getattr(request.app.state, "runtime", None)
    workflows = runtime.engine.workflows if runtime is not None else ()
    return frozenset(role for w in workflows for role in receiving_roles(w))


def shown(value: Any, t: Any) -> str:
    """A stored value as text: lists joined, booleans in words, redaction markers explained."""
    if is_marker(value):
        return str(t("redacted." + str(value["redacted"])))
    if isinstance(value, bool):
        return str(t("yes" if value else "no"))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def workflow_values(request: Request, t: Translator) -> Callable[[str], str | None]:
    """A coded value's words in the page's language from the labels of the loaded workflows
    (a referral's service in a report, say); None where no workflow words it."""
    runtime = getattr(request.app.state, "runtime", None)
    texts = [WorkflowText(w, t.lang) for w in (runtime.engine.workflows if runtime else ())]

    def worded(code: str) -> str | None:
        return next((said for text in texts if (said := text.value(code)) != code), None)

    return worded


def region_names(request: Request, t: Translator) -> Callable[[str | None], str]:
    """A region's name in the page's language, from the registries of the loaded workflows
    (`*`: all regions; a code no registry holds is shown as it is)."""
    runtime = getattr(request.app.state, "runtime", None)
    known: dict[str, Region] = {}
    for workflow in runtime.engine.workflows if runtime is not None else ():
        known.update(workflow.regions)  # the newest version's names last

    def name(code: str | None) -> str:
        if code == "*":
            return t("regions.all")
        found = known.get(code or "")
        return found.name(t.lang) if found else (code or "")

    return name


def role_names(request: Request, t: Translator) -> Callable[[str], str]:
    """A role's name in the page's language: the engine's own roles from the catalogue, a
    workflow's from its labels (the description up to its first parenthesis), a role no
    workflow declares made readable (never as a code)."""
    runtime = getattr(request.app.state, "runtime", None)
    texts = [WorkflowText(w, t.lang) for w in (runtime.engine.workflows if runtime else ())]

    def name(role: str) -> str:
        if t.has(f"role.{role}"):
            return t(f"role.{role}")
        declared = next((x for x in reversed(texts) if role in x.workflow.roles), None)
        if declared is None:
            return readable(role)
        return declared.role(role).split(" (", 1)[0]

    return name


def event_words(name: str, text: WorkflowText, t: Translator) -> str:
    """An event in words: the engine's own events (erasure, transfers, ...) from the catalogue,
    a workflow's by the title of the step that records it."""
    return t(f"event.{name}") if t.has(f"event.{name}") else text.event(name)


def agency_names(request: Request, lang: str) -> Callable[[str], str]:
    """A registered agency's name in `lang` (what is not registered as it is), the registry
    read when a name is first asked for: most pages name no agency."""
    runtime = getattr(request.app.state, "runtime", None)
    known: dict[str, str] | None = None

    def name(slug: str) -> str:
        nonlocal known
        if known is None:
            listed = runtime.agencies.listed() if runtime is not None else []
            known = {a.slug: a.name(lang) for a in listed}
        return known.get(slug, slug)

    return name


def query(params: Mapping[str, Any], **changes: Any) -> str:
    """A query string from `params` with `changes`, leaving out empty values."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` inside the frame; writes the session cookie when one was just made."""
    lang = language(request)
    t = translator(lang)
    user: User | None = getattr(request.state, "user", None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context.setdefault("unread", unread(request, user))
    context.setdefault("alerts_open", alerts_open(request, user))
    agency_name = agency_names(request, lang)
    html = ENV.get_template(template).render(
        request=request,
        user=user,
        t=t,
        words=lambda workflow: text_of(workflow, lang),
        explain=lambda error, wt=None: explain.error(error, t, wt, agency_name),
        agency_name=agency_name,
        lang=lang,
        langs=LANGS,
        here=quote(here, safe=""),
        csrf=session(request).csrf,
        nav=nav(user, receiving(request)),
        gates=gates,
        may=lambda gate: user is not None and gate.admits(user.role),
        path=request.url.path,
        shown=lambda v: shown(v, t),
        query=query,
        region_name=region_names(request, t),
        role_name=role_names(request, t),
        event_words=lambda name, wt: event_words(name, wt, t),
        move_words=lambda entry, wt: (
            moves.history_words(entry, t, wt) or case_file.history_words(entry, t)
        ),
        uuid=uuid4,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    new = getattr(request.state, "new_session", None)
    if new is not None:
        set_session(request, response, new)
    return response


UNREAD_SHOWN = 99
"""The header counts up to this many unread notifications, then says `99+`: every page asks,
so the count reads a hundred index entries at most, never all of a user's notifications."""


def unread(request: Request, user: User | None) -> str | None:
    """How many of the user's notifications are unread, for the header (`99+` beyond 99); None
    when there is no user or the count cannot be read (the header never fails a page)."""
    runtime = getattr(request.app.state, "runtime", None)
    if user is None or runtime is None:
        return None
    try:
        count: int = runtime.notifications.unread(user.id, at_most=UNREAD_SHOWN + 1)
    except Exception:
        return None
    return f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)


def alerts_open(request: Request, user: User | None) -> int | None:
    """How many possible duplicates wait for a supervisor of the user's regions, for the
    header; None for other roles, or when it cannot be read (the header never fails a page)."""
    runtime = getattr(request.app.state, "runtime", None)
    if user is None or runtime is None or not gates.PERSON_ALERTS.admits(user.role):
        return None
    try:
        return len(duplicates(runtime).alerts(user.reach))
    except Exception:
        return None


def error_page(
    request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    response = page(request, "error.html", status=status, status_code=status, detail=detail)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ErrorPages:
    """The pages the HTTP base shows a browser for the errors it answers itself
    (registered with it as its `http.pages.ErrorPages`)."""

    def too_large(self, request: Request, limit: int) -> HTMLResponse:
        """The error page for a form over the body limit (what was typed cannot be kept); a
        limit of megabytes is a file upload's (a register), said as such."""
        t = translator(language(request))
        if limit >= 1024 * 1024:
            detail = t("error.file_too_large", mb=limit // (1024 * 1024))
        else:
            detail = t("error.too_large", kb=limit // 1024)
        return error_page(request, 413, detail)

    def no_such_page(self, request: Request) -> HTMLResponse:
        """The error page for an address that is no page (a stale link, a typo)."""
        return error_page(request, 404, translator(language(request))("error.no_page"))


def svg(markup: str) -> Markup:
    """SVG this package generated itself (every text in it escaped when it was made)."""
    return Markup(markup)
