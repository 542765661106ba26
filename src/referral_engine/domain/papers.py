"""Printable papers: a case summary and the official documents a workflow declares (its
`papers:` block, docs/workflows.md "Papers"), when each may be printed and by whom, and the
errors of printing one. Pure: the templates arrive as text, read by the workflows layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from referral_engine.domain.errors import DomainError, NotFound

BASE_LANGUAGE = "en"


@dataclass(frozen=True)
class PaperSpec:
    """One paper of a workflow: its title and template in each of its languages, the fields it
    prints, and the events after which (and until which) it may be printed."""

    id: str
    titles: Mapping[str, str]
    templates: Mapping[str, str]
    """Language -> the template's text (Jinja2, rendered sandboxed and autoescaped)."""
    fields: tuple[str, ...]
    after: tuple[str, ...] = ()
    """Printable once one of these events happened, showing the case as it was right after the
    latest of them; none: printable at any time, showing the case now."""
    until: tuple[str, ...] = ()
    """No longer printable once one of these events happened after that."""

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get(BASE_LANGUAGE) or self.id

    def language(self, wanted: str) -> str:
        """The language the paper is printed in for a reader of `wanted`: theirs when it has
        a template in it, else its first (an official document has its own language)."""
        return wanted if wanted in self.templates else next(iter(self.templates))


@dataclass(frozen=True)
class Moment:
    """Which state of the case a paper shows: right after event number `version` (None: now)."""

    version: int | None
    event: str | None


def moment_of(spec: PaperSpec, events: Iterable[tuple[int, str]]) -> Moment:
    """The moment a paper shows, from the case's events (version, name) in order; refused while
    none of its `after` events happened, or once an `until` event followed the latest."""
    if not spec.after:
        return Moment(None, None)
    found: Moment | None = None
    ended = None
    for version, name in events:
        if name in spec.after:
            found, ended = Moment(version, name), None
        elif name in spec.until and found is not None:
            ended = name
    if found is None:
        raise PaperNotAvailable(spec.id, "not_yet", spec.after)
    if ended is not None:
        raise PaperNotAvailable(spec.id, "ended", (ended,))
    return found


def unreadable(
    spec: PaperSpec, personal: Mapping[str, frozenset[str]], role: str | None
) -> list[str]:
    """The personal fields of the paper a reader of `role` may not read (they may print it only
    when there are none)."""
    return [f for f in spec.fields if f in personal and (role is None or role not in personal[f])]


class PaperNotFound(NotFound):
    """The case's workflow version declares no paper of this id."""

    def __init__(self, paper: str) -> None:
        self.paper = paper
        super().__init__(f"the case's workflow has no paper '{paper}'")


class PaperNotAvailable(DomainError):
    """A paper that cannot be printed for the case now; `code`: `not_yet` (none of `events`, the
    events it follows, has happened), `ended` (`events` ended it) or `erased` (the personal
    data it prints was erased)."""

    type = "paper-not-available"
    title = "This paper cannot be printed for the case now"
    WHY: ClassVar[Mapping[str, str]] = {
        "not_yet": "it is printed only after one of these steps: {events}",
        "ended": "it is no longer issued since this step: {events}",
        "erased": "the personal data it prints was erased",
    }

    def __init__(self, paper: str, code: str, events: Iterable[str] = ()) -> None:
        self.paper, self.code, self.events = paper, code, tuple(events)
        why = self.WHY[code].format(events=", ".join(self.events))
        super().__init__(f"paper '{paper}' cannot be printed: {why}")


class PaperNotPermitted(DomainError):
    """A reader who may not print the paper: `code` `personal` (their role may not read
    `fields`, personal data it prints) or `referrals` (they see the case only through its
    referrals to their agency)."""

    type = "paper-not-permitted"
    title = "Your role may not print this paper"
    WHY: ClassVar[Mapping[str, str]] = {
        "personal": "your role may not read personal data it prints: {fields}",
        "referrals": "you see this case only through its referrals to your agency",
    }

    def __init__(self, paper: str, code: str, fields: Iterable[str] = ()) -> None:
        self.paper, self.code, self.fields = paper, code, tuple(fields)
        why = self.WHY[code].format(fields=", ".join(self.fields))
        super().__init__(f"paper '{paper}' cannot be printed: {why}")
