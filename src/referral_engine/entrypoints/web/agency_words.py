"""Agencies in the reader's words: a registered agency by its name in the page's language (never
its id), and the facts of the errors about agencies (explain.py) worded with them, in the
catalogues' words (`explain.agency.*`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from referral_engine.domain.agency_errors import (
    AgencyUnsuitable,
    AgreementMissing,
    NotAddressedAgency,
)
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.report_view import readable
from referral_engine.entrypoints.web.workflow_text import WorkflowText

Namer = Callable[[str], str]
"""An agency id -> its name in the page's language (the id itself when none is known)."""


def _service(code: str, text: WorkflowText | None) -> str:
    said = text.value(code) if text else code
    return readable(code) if said == code else said


def namer(names: Mapping[str, Mapping[str, str]], lang: str, fallback: Namer | None) -> Namer:
    """Names as an error carries them, else as `fallback` (the registry) knows them."""

    def name(slug: str) -> str:
        found = names.get(slug)
        if found:
            return found.get(lang) or found.get("en") or slug
        return fallback(slug) if fallback is not None else slug

    return name


def facts(
    exc: AgencyUnsuitable | AgreementMissing | NotAddressedAgency,
    t: Translator,
    text: WorkflowText | None,
    fallback: Namer | None,
) -> dict[str, Any]:
    """The error's facts in words: agencies by name, services, kinds and regions worded."""
    name = namer(getattr(exc, "names", {}), t.lang, fallback)

    def quoted(slug: str) -> str:
        return t("explain.quoted", name=name(slug))

    if isinstance(exc, NotAddressedAgency):
        by = text.step(exc.by_trigger) if text else exc.by_trigger
        return {"named": quoted(exc.addressed) if exc.addressed else "—", "by_trigger": by}
    said = {
        "region": text.region(exc.case_region) if text else exc.case_region,
        "service": _service(exc.service, text),
    }
    if isinstance(exc, AgreementMissing):
        parties = ", ".join(quoted(p) for p in exc.parties) or t("explain.agency.none_registered")
        whom = t(f"explain.agency.whom.{exc.party}", region=said["region"], parties=parties)
        return {**said, "named": quoted(exc.agency), "whom": whom, "on": exc.on.isoformat()}
    kinds = ", ".join(t(f"ag.kind.{k}") for k in exc.kinds)
    why = t(f"explain.agency.unsuitable.{exc.code}", kinds=kinds, **said)
    fits = ", ".join(name(c) for c in exc.candidates) or t("none")
    typed = quoted(exc.agency) if exc.code != "unknown" else f"“{exc.agency}”"  # as typed
    return {"named": typed, "why": why, "candidates": fits}
