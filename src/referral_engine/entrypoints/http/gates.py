"""The role gates, declared once for the API and the pages: which roles pass each one, and how
each side words a refusal (a problem's detail, a page's message key)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    """A role check: the roles in `allowed` pass (every role when None) unless `denied`."""

    refusal: str
    page_refusal: str | None = None
    allowed: frozenset[str] | None = None
    denied: frozenset[str] = frozenset()

    def admits(self, role: str) -> bool:
        """Whether a user with this role passes."""
        return role not in self.denied and (self.allowed is None or role in self.allowed)


CASES = Gate(
    "analysts and statisticians have no access to individual cases",
    "error.no_case_access",
    denied=frozenset({"analyst", "statistician"}),  # aggregates only, never a case
)
AUDIT = Gate(
    "only supervisors and admins may read the audit log",
    "error.no_audit_access",
    allowed=frozenset({"supervisor", "admin"}),
)
DEADLINES = Gate(
    "only supervisors and admins may read the deadline board",
    "error.no_board_access",
    allowed=frozenset({"supervisor", "admin"}),
)
PROJECTIONS = Gate(
    "only admins and analysts may rebuild read models",
    "error.no_rebuild_access",
    allowed=frozenset({"admin", "analyst"}),
)
PUBLISHERS = Gate(
    "only statisticians may publish official figures",
    "error.no_publish_access",
    allowed=frozenset({"statistician"}),
)
IMPORTS = Gate(
    "only admins may import registers",
    "error.no_import_access",
    allowed=frozenset({"admin"}),  # an import writes many cases under one actor, in any region
)
ADMINS = Gate("only admins may do this", allowed=frozenset({"admin"}))
AGENCIES = Gate(
    "only admins may manage the agency registry",
    "error.no_agency_access",
    allowed=frozenset({"admin"}),  # reading the registry is open to every signed-in user
)
INBOX = Gate(
    "analysts, statisticians and admins have no inbox: it holds what an agency is asked to answer",
    "error.no_inbox_access",
    denied=frozenset({"analyst", "statistician", "admin"}),  # they answer no referral or request
)
SEARCH = Gate(
    "only those who work on cases may search for persons: analysts, statisticians and admins "
    "never read personal data",
    "error.no_search_access",
    denied=frozenset({"analyst", "statistician", "admin"}),  # a hit says a person is known
)
PERSON_ALERTS = Gate(
    "only supervisors see and decide possible duplicates",
    "error.no_alert_access",
    allowed=frozenset({"supervisor"}),  # of a region holding one of the two cases
)
CASE_FILE = Gate(
    "only those who work on cases read and add notes and documents: analysts, statisticians "
    "and admins never read personal data",
    "error.no_case_file_access",
    denied=frozenset({"analyst", "statistician", "admin"}),  # notes and documents are personal
)
