"""A synthetic agency registry for the demo and the tests: a state body (the regional
social-protection department) and a police unit per demo region, NGOs and service providers
with their services, and their co-operation agreements with the state bodies. Every name is made
up and marked synthetic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from referral_engine.application.agencies import Agencies
from referral_engine.domain.commands import Actor

SIGNED_ON = date(2012, 9, 1)
"""When the synthetic agreements were signed (after Resolution No. 783 of 22.08.2012 set up the
interaction); they run with no end date, so that cases dated in any later year (backdated or
imported ones too) refer to agencies whose agreements are in force."""
ADMIN = Actor("demo-registry", "admin", "msp")
"""Who registers the synthetic registry (its events name this actor)."""
UA_SERVICES = ("shelter", "medical", "psychological", "legal_aid", "employment", "return")
UK_SERVICES = (
    *("accommodation", "subsistence", "outreach", "legal_aid"),
    *("counselling", "medical", "translation", "return"),
)
OBLASTS = {  # region: (id suffix, English, Ukrainian)
    "UA-32": ("kyivska", "Kyiv Oblast", "Київській області"),
    "UA-46": ("lvivska", "Lviv Oblast", "Львівській області"),
    "UA-51": ("odeska", "Odesa Oblast", "Одеській області"),
    "UA-63": ("kharkivska", "Kharkiv Oblast", "Харківській області"),
    "UA-12": ("dnipropetrovska", "Dnipropetrovsk Oblast", "Дніпропетровській області"),
}
UK_NATIONS = ("GB-ENG", "GB-NIR", "GB-SCT", "GB-WLS")


@dataclass(frozen=True)
class Entry:
    """One synthetic agency: its id, names, kind, services and regions."""

    slug: str
    names: Mapping[str, str]
    kind: str
    services: tuple[str, ...]
    regions: tuple[str, ...]


def _oblast_bodies() -> list[Entry]:
    found = []
    for region, (suffix, en, uk) in OBLASTS.items():
        found.append(
            Entry(
                f"lsa-{suffix}",
                {
                    "en": f"Social protection department, {en} (synthetic)",
                    "uk": f"Департамент соціального захисту населення в {uk} (синтетичний)",
                },
                "state_body",
                ("one_time_payment",),
                (region,),
            )
        )
        found.append(
            Entry(
                f"police-{suffix}",
                {
                    "en": f"National Police, main department in {en} (synthetic)",
                    "uk": f"Головне управління Національної поліції в {uk} (синтетичне)",
                },
                "police_unit",
                (),
                (region,),
            )
        )
    return found


EVERY_OBLAST = tuple(OBLASTS)
ENTRIES: tuple[Entry, ...] = (
    *_oblast_bodies(),
    Entry(
        "msp",
        {"en": "Ministry of Social Policy (synthetic)", "uk": "Мінсоцполітики (синтетичне)"},
        "state_body",
        (),
        EVERY_OBLAST,
    ),
    Entry(
        "shelter-kyiv",
        {"en": "Kyiv Shelter for Survivors (synthetic)", "uk": "Київський притулок (синтетичний)"},
        "service_provider",
        ("shelter",),
        ("UA-32", "UA-30", "UA-46"),  # it takes people from Lviv Oblast too
    ),
    Entry(
        "clinic-kyiv",
        {"en": "Kyiv Recovery Clinic (synthetic)", "uk": "Київська клініка відновлення (синт.)"},
        "service_provider",
        ("medical", "psychological"),
        ("UA-32", "UA-46"),
    ),
    Entry(
        "clinic-odesa",
        {"en": "Odesa Recovery Clinic (synthetic)", "uk": "Одеська клініка відновлення (синт.)"},
        "service_provider",
        ("medical", "psychological"),
        ("UA-51",),
    ),
    Entry(
        "legal-aid-lviv",
        {"en": "Lviv Legal Aid Centre (synthetic)", "uk": "Львівський центр правової допомоги"},
        "ngo",
        ("legal_aid",),
        ("UA-46",),
    ),
    Entry(
        "employment-centre-dnipro",
        {"en": "Dnipro Employment Centre (synthetic)", "uk": "Дніпровський центр зайнятості"},
        "service_provider",
        ("employment",),
        ("UA-12",),
    ),
    Entry(
        "ngo-synthetic",
        {"en": "Pathways Anti-Trafficking NGO (synthetic)", "uk": "ГО «Шляхи» (синтетична)"},
        "ngo",
        ("shelter", "psychological", "legal_aid", "employment", "return"),
        EVERY_OBLAST,
    ),
    Entry(
        "iom-synthetic",
        {"en": "Migration Organisation (synthetic)", "uk": "Організація з міграції (синт.)"},
        "international_organisation",
        ("return", "medical"),
        EVERY_OBLAST,
    ),
    Entry(
        "sca",
        {"en": "Single Competent Authority (synthetic)", "uk": "Єдиний компетентний орган"},
        "state_body",
        (),
        UK_NATIONS,
    ),
    Entry(
        "vcc-london",
        {"en": "Victim Care Contract provider (synthetic)", "uk": "Надавач підтримки (синт.)"},
        "service_provider",
        UK_SERVICES,
        ("GB-ENG", "GB-WLS"),
    ),
    Entry(
        "police-met",
        {"en": "Metropolitan Police (synthetic)", "uk": "Столична поліція (синтетична)"},
        "police_unit",
        (),
        ("GB-ENG",),
    ),
)
"""The synthetic registry, by id."""

ACTING = {  # a workflow role: the kind of agency the demo's users of it belong to
    "nrm_actor": "ngo-synthetic",
    "lsa_official": "lsa-{region}",
    "decision_maker": "lsa-{region}",
    "supervisor": "lsa-{region}",
    "police": "police-{region}",
    "service_provider": "shelter-kyiv",
    "first_responder": "police-met",
    "competent_authority": "sca",
    "support_provider": "vcc-london",
}


def acting_agency(role: str, region: str = "UA-32") -> str:
    """The registered agency the demo's user in `role` belongs to, for a case of `region`."""
    suffix = OBLASTS.get(region, OBLASTS["UA-32"])[0]
    return ACTING.get(role, "msp").format(region=suffix)


def agreements(entry: Entry) -> list[dict[str, object]]:
    """The agreements an NGO or service provider holds with the state body of each oblast it
    serves, covering its services."""
    if entry.kind in ("state_body", "police_unit") or not entry.services:
        return []
    return [
        {
            "id": f"coop-{OBLASTS[r][0]}",
            "with_agency": f"lsa-{OBLASTS[r][0]}",
            "services": list(entry.services),
            "signed_on": SIGNED_ON.isoformat(),
            "reference": f"Synthetic co-operation agreement {entry.slug}/{OBLASTS[r][0]}",
        }
        for r in entry.regions
        if r in OBLASTS
    ]


def register(registry: Agencies, entries: tuple[Entry, ...] = ENTRIES) -> int:
    """Register those of the synthetic agencies not registered yet, with their agreements, in
    one write; returns how many were new."""
    return registry.register_all(
        [(e.slug, dict(e.names), e.kind, list(e.services), list(e.regions)) for e in entries],
        {e.slug: agreements(e) for e in entries},
        actor=ADMIN,
    )
