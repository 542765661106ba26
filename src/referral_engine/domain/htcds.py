"""The Human Trafficking Case Data Standard (HTCDS), as far as an anonymised export uses it: its
fields' system names, types and picklist values, transcribed (docs/htcds.md), matched by name.

Sources, both in the public repository UNMigration/HTCDS:
- "HTCDS Field Reference.md" (commits 38195b9 and af4f847): the tables and their prefixes
  (`prs_` person, `vic_` person victim context, `hte_` historic trafficking events, `cas_` case),
  each field's name and type;
- "Toolkit/Survey/htcds_xlsform.xml" (commit 2606448), the toolkit's machine-readable form of
  version 1.0 and later, whose names (`prefix_FieldName`) and picklist values are used here: the
  IOM gender values of 1.0 (`Feminine` ...), `prs_Citizenship` (renamed from Nationality in 1.0),
  `vic_TraffickingStatus` and its deciding organisation, the eleven forms of exploitation.
No age field is transcribed: "Revision History.md" says version 1.0 added "Age at Entry into
Trafficking", but no text file of the repository spells its system name (the Field Reference and
the XLSForm have no age field; the v2.0 workbooks are binary), and a column named by guess would
break matching by name (docs/htcds.md). `hte_Country` is "Text" in the Field Reference; it is
written as an ISO 3166-1 code, as every other country of the standard is. Values are the
standard's value names, never its labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from referral_engine.domain.reporting import COUNTRIES

Kind = Literal["picklist", "multiselect", "country", "number", "date", "text"]

NUMBER = re.compile(r"(0|[1-9][0-9]{0,2})")
"""A number of years as an export writes one: a whole number, no sign, no decimals."""
YEAR = re.compile(r"[0-9]{4}")
SOURCE = "UNMigration/HTCDS: HTCDS Field Reference.md; Toolkit/Survey/htcds_xlsform.xml (v1.0+)"


@dataclass(frozen=True)
class HtcdsField:
    """One field of the standard: its system name, label, kind and picklist values (for a
    `country`, the ISO 3166-1 alpha-2 codes); `identifying`: a direct identifier or free text,
    never exported; `unknown`: the picklist's value saying nothing, if any."""

    name: str
    label: str
    kind: Kind
    values: tuple[str, ...] = ()
    identifying: bool = False
    unknown: str = ""
    """The picklist's own value that says nothing ("Not Specified/Unknown"), where it has one;
    else a value generalised away is an empty cell."""

    def allows(self, value: str) -> bool:
        """Whether one exported value is this field's: a picklist's value (a multiselect's: each
        part, `;`-joined), a number's whole number of years, a date's year (an export writes a
        date as its year), any text. An empty cell (not recorded, or suppressed) is not a value:
        callers allow it apart."""
        if self.kind == "multiselect":
            return all(part in self.values for part in value.split(";"))
        if self.kind in ("picklist", "country"):
            return value in self.values
        if self.kind == "number":
            return NUMBER.fullmatch(value) is not None
        if self.kind == "date":
            return YEAR.fullmatch(value) is not None
        return True


GENDERS = (
    "Feminine",
    "Masculine",
    "TransgenderFeminine",
    "TransgenderMasculine",
    "NonConforming",
    "NonSpecifiedUnknown",
)
TRAFFICKING_STATUSES = (
    "PossibleVictimOfTrafficking",
    "ActualVictimOfTrafficking",
    "NotAVictimOfTrafficking",
)
DECIDING_ORGANISATIONS = (
    "Police",
    "NGO",
    "CourtOrProsecution",
    "NonPoliceGovernmentalOrganization",
    "Other",
)
EXPLOITATION_TYPES = (
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
)
EVENT_TYPES = ("Recruitment", "Transit", "Exploitation")
CASE_STATUSES = ("Active", "FollowUp", "Closed", "ClosedReferred")

_IDENTIFYING = (
    ("prs_Salutation", "Salutation", "text"),
    ("prs_FirstName", "First Name", "text"),
    ("prs_MiddleName", "Middle Name", "text"),
    ("prs_SecondName", "Second Name", "text"),
    ("prs_Birthdate", "Birthdate", "date"),
    ("prs_Title", "Title", "text"),
    ("prs_Email", "Email", "text"),
    ("prs_HomePhone", "Home Phone", "text"),
    ("prs_MobilePhone", "Mobile Phone", "text"),
    ("prs_MailingCity", "Mailing City", "text"),
    ("prs_MailingCountry", "Mailing Country", "text"),
    ("prs_MailingState", "Mailing State/Province", "text"),
    ("prs_MailingStreet", "Mailing Street", "text"),
    ("prs_MailingPostalCode", "Mailing Zip/Postal Code", "text"),
    ("prs_MailingLongitude", "Longitude", "number"),
    ("prs_MailingLatitude", "Latitude", "number"),
    ("vic_DetailsOfVulnerabilities", "Details Of Vulnerabilities", "text"),
    ("hte_City", "City", "text"),
    ("hte_Street", "Street", "text"),
    ("hte_PostalCode", "PostalCode", "text"),
    ("hte_Longitude", "Longitude", "number"),
    ("hte_Latitude", "Latitude", "number"),
    ("hte_Description", "Description", "text"),
    ("cas_IncomingReferralDetails", "Incoming Referral Details", "text"),
    ("cas_OutgoingReferralDetails", "Outgoing Referral Details", "text"),
    ("cas_ReasonForCaseClosure", "Reason for Case Closure", "text"),
)
"""Fields naming or locating a person, or free text that may: known, so that a mapping naming
one is refused as such rather than as unknown."""

FIELDS: dict[str, HtcdsField] = {
    f.name: f
    for f in (
        HtcdsField("prs_Gender", "Gender", "picklist", GENDERS, unknown="NonSpecifiedUnknown"),
        HtcdsField("prs_Citizenship", "Citizenship", "country", COUNTRIES),
        HtcdsField("vic_TraffickingStatus", "Trafficking Status", "picklist", TRAFFICKING_STATUSES),
        HtcdsField(
            "vic_TraffickingStatusDecisionMakingOrg",
            "Trafficking Status Decision Making Organization",
            "picklist",
            DECIDING_ORGANISATIONS,
        ),
        HtcdsField(
            "vic_TypeOfExploitation", "Type of Exploitation", "multiselect", EXPLOITATION_TYPES
        ),
        HtcdsField("hte_Type", "Type", "picklist", EVENT_TYPES),
        HtcdsField("hte_Country", "Country", "country", COUNTRIES),
        HtcdsField("hte_Date", "Date", "date"),
        HtcdsField("cas_Status", "Status", "picklist", CASE_STATUSES),
        HtcdsField("cas_IncomingReferralDate", "Incoming Referral Date", "date"),
        *(HtcdsField(n, label, kind, identifying=True) for n, label, kind in _IDENTIFYING),  # type: ignore[arg-type]
    )
}
"""The standard's fields an export may name (and the identifying ones it refuses), by name."""

ORDER = tuple(FIELDS)
"""Columns are written in this order (the standard's tables: person, victim, events, case)."""
