"""Errors of the exchange between registered agencies (docs/agencies.md): a field naming an
agency that is not registered or does not fit, a referral's missing co-operation agreement, and a
step only the agency a case was addressed to may take. Each has a stable problem `type`, as every
error of errors.py does; they live here because that module is near its size limit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import ClassVar

from referral_engine.domain.errors import DomainError

Names = Mapping[str, Mapping[str, str]]
"""Agency id -> its names by language (`en` always): pages word agencies by name, never by id."""

REGION_STATE_BODY = "region_state_body"
REFERRER = "referrer"
PARTIES = (REGION_STATE_BODY, REFERRER)
"""With whom a referral's receiving agency needs an agreement (`referrals.agreement.with`)."""


class AgencyUnsuitable(DomainError):
    """An agency field names an agency that is not registered (`code` unknown) or does not fit
    the field: another kind, the service not offered, the case's region not served. The engine
    adds `candidates`, the agencies that fit (closest to what was typed first), and `close`,
    registered ids that look like it."""

    type = "agency-unsuitable"
    title = "The agency named is not registered, or cannot be chosen here"
    WHY: ClassVar[Mapping[str, str]] = {
        "unknown": "is not in the agency registry",
        "kind": "is not of a kind this field takes",
        "service": "does not offer the service",
        "region": "does not serve the case's region",
    }

    def __init__(
        self,
        field: str,
        agency: str,
        code: str,
        *,
        service: str = "",
        region: str = "",
        kinds: Sequence[str] = (),
        candidates: Sequence[str] = (),
        close: Sequence[str] = (),
        names: Names | None = None,
    ) -> None:
        self.field, self.agency, self.code = field, agency, code
        self.service, self.case_region, self.kinds = service, region, tuple(kinds)
        self.candidates, self.close = tuple(candidates), tuple(close)
        self.names: Names = dict(names or {})
        fits = ", ".join(self.candidates) or "none is registered"
        super().__init__(
            f"data.{field}: '{agency}' {self.WHY[code]} ({self._facts()}); agencies that fit: "
            + fits
        )

    def _facts(self) -> str:
        said = [f"kind {' or '.join(self.kinds)}"] if self.kinds else []
        said += [f"service '{self.service}'"] if self.service else []
        return ", ".join([*said, f"region {self.case_region}"])

    def with_candidates(
        self, candidates: Sequence[str], close: Sequence[str], names: Names
    ) -> AgencyUnsuitable:
        """The same refusal, naming the agencies that fit and the ids close to the one typed."""
        return AgencyUnsuitable(
            self.field,
            self.agency,
            self.code,
            service=self.service,
            region=self.case_region,
            kinds=self.kinds,
            candidates=candidates,
            close=close,
            names=names,
        )


class AgreementMissing(DomainError):
    """A referral's receiving agency has no co-operation agreement in force for the service on
    the day of the referral with the party the workflow asks for (`party`: a state body of the
    case's region, or the referring agency); `parties` are the agencies that could be it."""

    type = "agreement-missing"
    title = "The receiving agency has no co-operation agreement for this service"

    def __init__(
        self,
        agency: str,
        service: str,
        on: date,
        party: str,
        parties: Sequence[str],
        region: str,
        names: Names | None = None,
    ) -> None:
        self.agency, self.service, self.on = agency, service, on
        self.party, self.parties, self.case_region = party, tuple(parties), region
        self.names: Names = dict(names or {})
        listed = ", ".join(f"'{p}'" for p in self.parties)
        if party == REFERRER:
            whom = f"the referring agency {listed}"
        else:
            whom = f"a state body serving region {region} ({listed or 'none is registered'})"
        super().__init__(
            f"no co-operation agreement in force on {on.isoformat()} between '{agency}' and "
            f"{whom} covering the service '{service}'"
        )


class NotAddressedAgency(DomainError):
    """A step only the agency a case was sent to by an earlier step may take (the workflow's
    `named_agency_only`), taken by a user of another agency."""

    type = "not-addressed-agency"
    title = "Only the agency this was addressed to may take this step"

    def __init__(self, trigger: str, agency: str, addressed: str, by_trigger: str) -> None:
        self.trigger, self.agency = trigger, agency
        self.addressed, self.by_trigger = addressed, by_trigger
        super().__init__(
            f"'{trigger}' may only be taken by '{addressed or 'none'}', the agency "
            f"'{by_trigger}' addressed, not by '{agency}'"
        )
