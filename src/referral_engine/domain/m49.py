"""The UN M49 regions of the world, for generalising a country in an anonymised export: each
ISO 3166-1 alpha-2 code (domain/reporting.COUNTRIES) in its M49 sub-region, each sub-region in its
region (Africa, Americas, Asia, Europe, Oceania).

Source: United Nations Statistics Division, "Standard country or area codes for statistical use
(M49)", as carried by the `country_converter` package 1.3.2 (column `UNregion`), transcribed here
so that nothing is looked up at run time; GB and GR (absent from that column) and NR (Micronesia
in M49) set by hand from M49. Taiwan is under Eastern Asia; Antarctica, in no M49 region, stands
for itself.
"""

from __future__ import annotations

_SUBREGIONS = {
    "Antarctica": "AQ",
    "Australia and New Zealand": "AU CC CX HM NF NZ",
    "Caribbean": "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC "
    "VG VI",
    "Central America": "BZ CR GT HN MX NI PA SV",
    "Central Asia": "KG KZ TJ TM UZ",
    "Eastern Africa": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",
    "Eastern Asia": "CN HK JP KP KR MN MO TW",
    "Eastern Europe": "BG BY CZ HU MD PL RO RU SK UA",
    "Melanesia": "FJ NC PG SB VU",
    "Micronesia": "FM GU KI MH MP NR PW UM",
    "Middle Africa": "AO CD CF CG CM GA GQ ST TD",
    "Northern Africa": "DZ EG EH LY MA SD TN",
    "Northern America": "BM CA GL PM US",
    "Northern Europe": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "Polynesia": "AS CK NU PF PN TK TO TV WF WS",
    "South America": "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE",
    "South-eastern Asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "Southern Africa": "BW LS NA SZ ZA",
    "Southern Asia": "AF BD BT IN IR LK MV NP PK",
    "Southern Europe": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA",
    "Western Africa": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "Western Asia": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "Western Europe": "AT BE CH DE FR LI LU MC NL",
}
REGIONS = {
    "Africa": (
        "Eastern Africa",
        "Middle Africa",
        "Northern Africa",
        "Southern Africa",
        "Western Africa",
    ),
    "Americas": ("Caribbean", "Central America", "South America", "Northern America"),
    "Asia": ("Central Asia", "Eastern Asia", "South-eastern Asia", "Southern Asia", "Western Asia"),
    "Europe": ("Eastern Europe", "Northern Europe", "Southern Europe", "Western Europe"),
    "Oceania": ("Australia and New Zealand", "Melanesia", "Micronesia", "Polynesia"),
    "Antarctica": ("Antarctica",),
}
"""M49 region -> its sub-regions."""

SUBREGION = {code: sub for sub, codes in _SUBREGIONS.items() for code in codes.split()}
"""ISO 3166-1 alpha-2 code -> its M49 sub-region."""
REGION = {sub: region for region, subs in REGIONS.items() for sub in subs}
"""M49 sub-region -> its region."""
