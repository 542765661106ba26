"""`referral-engine agencies ...`: the agency registry. Admins (`--as`) register and change
agencies and record and end their agreements; anyone at the console lists and reads them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import typer

from referral_engine.domain.agencies import AgencyView
from referral_engine.entrypoints.cli import console
from referral_engine.entrypoints.cli.console import mark, out, runtime

app = typer.Typer(no_args_is_help=True, help="The agency registry: add, change, list, show.")
agreements = typer.Typer(no_args_is_help=True, help="An agency's co-operation agreements.")
app.add_typer(agreements, name="agreement")
MANAGERS = ("admin",)
Admin = Annotated[str, typer.Option("--as", help="Your user name: a known admin (audited)")]
Services = Annotated[list[str] | None, typer.Option("--service", help="A service code (repeat)")]
Regions = Annotated[list[str] | None, typer.Option("--region", help="An ISO 3166-2 code (repeat)")]
NameEn = Annotated[str | None, typer.Option("--name-en", help="Its name in English")]
NameUk = Annotated[str | None, typer.Option("--name-uk", help="Its name in Ukrainian")]
Kind = Annotated[
    str | None,
    typer.Option(help="state_body, police_unit, ngo, service_provider, international_organisation"),
]


@app.command("add")
def agencies_add(
    agency: str,
    as_: Admin,
    kind: Kind = None,
    name_en: NameEn = None,
    name_uk: NameUk = None,
    service: Services = None,
    region: Regions = None,
) -> None:
    """Register an agency under its id (e.g. shelter-kyiv)."""
    with runtime() as rt:
        actor = console.operator(rt, as_, MANAGERS).actor
        mark.detail = {"agency": agency}
        names = _names(name_en, name_uk) or {}
        found = rt.agencies.register(agency, names, kind, service or [], region or [], actor=actor)
    out.print(f"registered {found.slug} (version {found.version})", highlight=False)


@app.command("change")
def agencies_change(
    agency: str,
    as_: Admin,
    kind: Kind = None,
    name_en: NameEn = None,
    name_uk: NameUk = None,
    service: Services = None,
    region: Regions = None,
) -> None:
    """Give some of an agency's details anew (names, kind, services, regions)."""
    with runtime() as rt:
        actor = console.operator(rt, as_, MANAGERS).actor
        mark.detail = {"agency": agency}
        names = _names(name_en, name_uk, rt.agencies.get(agency).names)
        found = rt.agencies.change(
            agency, actor=actor, names=names, kind=kind, services=service, regions=region
        )
    out.print(f"changed {found.slug} (version {found.version})", highlight=False)


@app.command("list")
def agencies_list(
    kind: Kind = None,
    service: Annotated[str | None, typer.Option(help="Offering this service")] = None,
    region: Annotated[str | None, typer.Option(help="Serving this region")] = None,
) -> None:
    """Registered agencies by id: kind, services, regions, English name."""
    with runtime() as rt:
        found = rt.agencies.listed(kind=kind, service=service, region=region)
    for a in found:
        out.print(
            f"{a.slug}  {a.kind}  {','.join(a.services) or '-'}  {','.join(a.regions)}  "
            f"{a.name('en')}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if not found:
        out.print("no agencies")


@app.command("show")
def agencies_show(
    agency: str,
    version: Annotated[int | None, typer.Option(min=1, help="As it was at this version")] = None,
) -> None:
    """One agency, with its agreements."""
    with runtime() as rt:
        _print(rt.agencies.get(agency, version))


@app.command("history")
def agencies_history(agency: str) -> None:
    """The agency's events, oldest first."""
    with runtime() as rt:
        entries = rt.agencies.history(agency)
    for e in entries:
        said = ", ".join(f"{k}={v}" for k, v in e.details.items())
        out.print(
            f"{e.version}  {e.occurred_at:%Y-%m-%d %H:%M}  {e.kind}  by {e.user_id}  {said}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@agreements.command("add")
def agreement_add(
    agency: str,
    as_: Admin,
    agreement_id: Annotated[str, typer.Option("--id", help="The agreement's id")],
    with_agency: Annotated[str, typer.Option("--with", help="The other agency's id")],
    signed_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    reference: Annotated[str, typer.Option(help="Its reference (number, order)")],
    service: Services = None,
    valid_until: Annotated[str | None, typer.Option(help="YYYY-MM-DD (none: open)")] = None,
) -> None:
    """Record a co-operation agreement of AGENCY with another registered agency."""
    with runtime() as rt:
        actor = console.operator(rt, as_, MANAGERS).actor
        mark.detail = {"agency": agency, "agreement": agreement_id}
        data = {
            "id": agreement_id,
            "with_agency": with_agency,
            "services": service or [],
            "signed_on": signed_on,
            "valid_until": valid_until,
            "reference": reference,
        }
        found = rt.agencies.record_agreement(agency, data, actor=actor)
    out.print(f"recorded {agreement_id} on {found.slug} (version {found.version})", highlight=False)


@agreements.command("end")
def agreement_end(
    agency: str,
    agreement_id: str,
    as_: Admin,
    ended_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="Why it ends")],
) -> None:
    """End an agreement of AGENCY in force."""
    with runtime() as rt:
        actor = console.operator(rt, as_, MANAGERS).actor
        mark.detail = {"agency": agency, "agreement": agreement_id}
        found = rt.agencies.end_agreement(agency, agreement_id, ended_on, reason, actor=actor)
    out.print(f"ended {agreement_id} on {found.slug} (version {found.version})", highlight=False)


def _names(
    en: str | None, uk: str | None, known: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """The names given (None: none given), over the known ones when changing."""
    if en is None and uk is None:
        return None
    names = dict(known or {})
    names.update({k: v for k, v in (("en", en), ("uk", uk)) if v is not None})
    return names


def _print(a: AgencyView) -> None:
    lines = [
        f"{a.slug}  version {a.version}  {a.kind}",
        *(f"  name ({lang}): {name}" for lang, name in a.names.items()),
        f"  services: {', '.join(a.services) or '-'}",
        f"  regions: {', '.join(a.regions)}",
    ]
    for g in a.agreements.values():
        until = g.valid_until.isoformat() if g.valid_until else "open"
        ended = f", ended {g.ended_on.isoformat()} ({g.end_reason})" if g.ended_on else ""
        lines.append(
            f"  agreement {g.id} with {g.with_agency}: {', '.join(g.services)}, "
            f"{g.signed_on.isoformat()} to {until}, {g.reference}{ended}"
        )
    for line in lines:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
