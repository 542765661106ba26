"""Papers as the pages print them: what a paper's template is given (each value in the paper's
language: dates with the month's name, values, regions and steps in the workflow's words), the
sandboxed rendering (workflows/papers.py), and the PDF, made by WeasyPrint from the same HTML
and the same stylesheet, fetching nothing else."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from jinja2 import Template
from markupsafe import Markup, escape

from referral_engine.application.papers import Paper
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web.i18n import translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText, text_of
from referral_engine.workflows.papers import ENV, Printed, Step

STYLESHEET_PATH = "/static/papers.css"
"""The papers' one stylesheet (print and PDF), in the pages' static files."""
STYLESHEET = Path(__file__).parent / "static" / "papers.css"
ORIGIN = "https://paper.invalid"
"""The base address a PDF is rendered at: nothing there is ever fetched (see `OwnStylesheet`)."""
LOCALES = {"en": "en_GB", "uk": "uk"}
DOCUMENT = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
    '<link rel="stylesheet" href="{css}"></head><body><article class="paper">{body}</article>'
    "</body></html>"
)
_PDF_LOCK = threading.Lock()  # WeasyPrint's font machinery (fontconfig, Pango) is not shared safely


def body(paper: Paper, data: Mapping[str, Any], lang: str) -> Markup:
    """The paper's HTML in the language it is printed in for a reader of `lang`, from the case's
    `data` as the reader's disclosure shows it."""
    language = paper.spec.language(lang)
    return Markup(_template(paper.spec.templates[language]).render(context(paper, data, language)))


def context(paper: Paper, data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Every name the template may use (workflows/papers.py `FACTS` and the paper's fields)."""
    text = text_of(paper.workflow, lang)
    case = paper.case
    facts: dict[str, Any] = {
        "paper_title": Printed(paper.spec.title(lang)),
        "workflow_title": Printed(text.title),
        "case_reference": Printed(str(case.id)),
        "region": Printed(text.region(case.region), case.region),
        "state": Printed(text.state(case.state), case.state),
        "opened_on": _day(paper.opened, lang),
        "dated": _day(paper.dated, lang),
        "printed_on": _day(paper.printed, lang),
        "chronology": [
            Step(_day(e.occurred_at, lang), Printed(_step(text, e.trigger, e.event)))
            for e in paper.steps
        ],
    }
    specs = _fields(paper.workflow)
    for name in paper.spec.fields:
        facts[name] = printed(specs.get(name), data.get(name), text)
    return facts


def printed(spec: FieldSpec | None, value: Any, text: WorkflowText) -> Printed:
    """A recorded value in the paper's words ("" when the case never recorded it)."""
    if value is None or spec is None:
        return Printed("", value)
    if isinstance(value, bool):
        return Printed(_yes_no(value, text.lang), value)
    if spec.type == "date" and isinstance(value, str | date):
        return _day(date.fromisoformat(value) if isinstance(value, str) else value, text.lang)
    if spec.type == "country" and isinstance(value, str):
        return Printed(str(text.data_value(spec.name, value)), value)
    if spec.type in ("enum", "enum_list"):
        codes = value if isinstance(value, list) else [value]
        return Printed(", ".join(_value(text, str(c)) for c in codes), value)
    return Printed(str(value), value)


def document(paper: Paper, markup: Markup, lang: str) -> str:
    """The paper as a whole HTML document for the PDF (its stylesheet the only other resource)."""
    language = paper.spec.language(lang)
    title = escape(paper.spec.title(language))
    return DOCUMENT.format(lang=language, title=title, css=STYLESHEET_PATH, body=markup)


def pdf(html: str) -> bytes:
    """The PDF of a paper's document (fonts embedded; nothing fetched but the stylesheet)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # a second to import: when asked

    fetcher = _own_stylesheet()(STYLESHEET.read_bytes())
    with _PDF_LOCK:
        found: bytes = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher).write_pdf()
    return found


@cache
def _own_stylesheet() -> type[Any]:
    """WeasyPrint's fetcher serving the papers' stylesheet at its address and refusing every
    other address: a template naming an image or a stylesheet elsewhere never makes the server
    fetch it."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class OwnStylesheet(URLFetcher):  # type: ignore[misc]
        def __init__(self, stylesheet: bytes) -> None:
            super().__init__(allowed_protocols=())
            self.stylesheet = stylesheet

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url == ORIGIN + STYLESHEET_PATH:
                return URLFetcherResponse(url, self.stylesheet, {"Content-Type": "text/css"})
            raise ValueError(f"a paper fetches nothing but its stylesheet, not {url[:100]}")

    return OwnStylesheet


@lru_cache(maxsize=64)
def _template(source: str) -> Template:
    return ENV.from_string(source)


def _day(moment: datetime | date, lang: str) -> Printed:
    day = moment.date() if isinstance(moment, datetime) else moment
    try:
        said = format_date(day, "long", locale=LOCALES.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        said = day.isoformat()
    return Printed(said, day.isoformat())


def _yes_no(value: bool, lang: str) -> str:
    """A flag as a printed paper says it, in the catalogue's words (`paper.yes`, `paper.no`)."""
    return translator(lang)("paper.yes" if value else "paper.no")


def _value(text: WorkflowText, code: str) -> str:
    """An enum value in the workflow's words; one it does not word, as words (never a code)."""
    said = text.value(code)
    return said if said != code else code.replace("_", " ")


def _step(text: WorkflowText, trigger: str | None, event: str) -> str:
    return text.step(trigger) if trigger else text.event(event)


def _fields(workflow: WorkflowDefinition) -> dict[str, FieldSpec]:
    found: dict[str, FieldSpec] = {}
    steps = (workflow.opening.fields, *(t.fields for t in workflow.all_transitions()))
    for spec in (f for fields in steps for f in fields):
        found.setdefault(spec.name, spec)
    return found


def language_name(code: str, lang: str) -> str:
    """A language's name in `lang` (`uk` in English: Ukrainian)."""
    try:
        return str(Locale.parse(LOCALES.get(lang, lang)).languages.get(code, code))
    except (UnknownLocaleError, ValueError):
        return code
