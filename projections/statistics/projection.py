"""statistics: the facts official statistics count, kept so that any figure can be given exactly
as the event log stood at a recorded moment (docs/statistics.md).

Each case's profile (sex, age group, citizenship, form, first responder) and every counted
occurrence (screened, identified, applied, decided, status ended, referred, answered, assisted,
the outcome at closure and follow-up, a service's feedback) carry the log position and time of
the event that recorded them. The reports below are data: which query each measure counts, on
what basis, and by which dimensions it can be cut.
"""

from __future__ import annotations

from typing import Any

from referral_engine.application.readmodel import Changes, Event
from referral_engine.application.statistics import Measure, ReportSpec
from referral_engine.domain.person_links import LINK, UNLINK

VERSION = 6
LINKS = True  # it sees links of cases to one person (domain/person_links.py): persons basis
SUMMARIES = {
    "stat_events": "stat_events_touch",
    "stat_links": "stat_links_touch",
    "stat_referrals": "stat_referrals_touch",
    "stat_cases": "stat_cases_touch",
    "stat_contrib": "stat_cube_add",
}
"""Fact table -> the schema.sql function run after each write statement on it: a case's
contributions are recomputed when its facts change, and the cube sums them (docs/statistics.md)."""
REBUILT = "stat_rebuilt"
"""Run once a rebuild has written every fact: every contribution and the cube in one pass (the
triggers above, kept from then on, would recompute each case batch after batch)."""

OCCURRENCES = {
    "identified": "identified",
    "applied": "applied",
    "status_granted": "granted",
    "status_refused": "refused",
    "returned_incomplete": "incomplete",
    "status_ended": "status_ended",
}
"""Reporting milestone -> the kind of occurrence it counts as."""
PROFILE = {
    "sex": "sex",
    "citizenship": "citizenship",
    "age_at_identification": "age_group",
    "age_at_exploitation": "age_at_exploitation",
    "screening_actor": "screening_actor",
    "child": "child",
}
"""Report field -> profile column (the forms of exploitation are folded into one `form`)."""
CHILD_BANDS = frozenset({"0-11", "12-14", "15-17"})

PERSON = ("region", "sex", "age_group", "age_at_exploitation", "child", "form", "citizenship")
DIMENSIONS = {
    "year": "to_char(on_date, 'YYYY')",
    "quarter": "to_char(on_date, 'YYYY-\"Q\"Q')",
    "month": "to_char(on_date, 'YYYY-MM')",
    **{c: f"nullif({c}, '')" for c in (*PERSON, "screening_actor", "indicator", "service")},
    **{c: f"nullif({c}, '')" for c in ("agency", "rating", "reason", "outcome")},
}
"""Each dimension a report can be cut by, as an expression over its query's rows."""
TIME = ("year", "quarter", "month")


def _title(en: str, uk: str) -> dict[str, str]:
    return {"en": en, "uk": uk}


SERVICES = TIME + PERSON + ("service", "agency")
REFERRALS_SENT = Measure(
    "referrals_sent",
    "referrals_sent",
    "referrals",
    SERVICES,
    _title("Referrals sent", "Перенаправлень надіслано"),
)
DAYS_TO_ANSWER = Measure(
    "days_to_answer",
    "days_to_answer",
    "referrals",
    SERVICES,
    _title("Days to answer a referral (median)", "Днів до відповіді на перенаправлення (медіана)"),
    value="median_days",
)
DAYS_TO_FIRST_ASSISTANCE = Measure(
    "days_to_first_assistance",
    "first_assistance",
    "cases",
    TIME + PERSON,
    _title(
        "Days from application to first assistance (median)",
        "Днів від заяви до першої допомоги (медіана)",
    ),
    value="median_days",
)


PERSONS = _title("Persons applying (once each)", "Осіб, які подали заяву (кожна один раз)")
REPORTS = (
    ReportSpec(
        name="status",
        title=_title(
            "Status of a person affected by trafficking: applications and decisions",
            "Статус особи, яка постраждала від торгівлі людьми: заяви й рішення",
        ),
        measures=(
            Measure(
                "applications",
                "applications",
                "applications",
                TIME + PERSON,
                _title("Applications received", "Заяв отримано"),
            ),
            Measure("persons_applied", "persons_applied", "persons", TIME + PERSON, PERSONS),
            Measure(
                "granted",
                "granted",
                "decisions",
                TIME + PERSON,
                _title("Status granted", "Статус установлено"),
            ),
            Measure(
                "refused",
                "refused",
                "decisions",
                TIME + PERSON,
                _title("Status refused", "У статусі відмовлено"),
            ),
            Measure(
                "incomplete",
                "incomplete",
                "decisions",
                TIME + PERSON,
                _title("Returned as incomplete", "Повернуто як неповні"),
            ),
            Measure(
                "pending_at_end",
                "pending_at_end",
                "applications",
                PERSON,
                _title("Pending at the end of the period", "Не розглянуто на кінець періоду"),
                stock=True,
            ),
            Measure(
                "holding_at_end",
                "holding_at_end",
                "cases",
                PERSON,
                _title(
                    "Holding the status at the end of the period", "Мають статус на кінець періоду"
                ),
                stock=True,
            ),
        ),
    ),
    ReportSpec(
        name="identification",
        title=_title(
            "Identification: cases screened and identified",
            "Виявлення: осіб перевірено й ідентифіковано",
        ),
        measures=(
            Measure(
                "screened",
                "screened",
                "cases",
                TIME + PERSON + ("screening_actor",),
                _title("Cases screened", "Осіб перевірено"),
            ),
            Measure(
                "identified",
                "identified",
                "cases",
                TIME + PERSON + ("screening_actor",),
                _title("Cases identified", "Осіб ідентифіковано"),
            ),
            Measure(
                "indicators",
                "indicator_mentions",
                "mentions",
                TIME + PERSON + ("screening_actor", "indicator"),
                _title("Indicators observed at screening", "Ознаки, виявлені під час перевірки"),
            ),
        ),
    ),
    ReportSpec(
        name="assistance",
        title=_title("Referrals and assistance", "Перенаправлення й допомога"),
        measures=(
            REFERRALS_SENT,
            Measure(
                "referrals_accepted",
                "referrals_accepted",
                "referrals",
                TIME + PERSON + ("service", "agency"),
                _title("Referrals accepted", "Перенаправлень прийнято"),
            ),
            Measure(
                "referrals_rejected",
                "referrals_rejected",
                "referrals",
                TIME + PERSON + ("service", "agency"),
                _title("Referrals rejected", "Перенаправлень відхилено"),
            ),
            DAYS_TO_ANSWER,
            Measure(
                "assistance_delivered",
                "assistance_delivered",
                "services",
                TIME + PERSON + ("service",),
                _title("Assistance delivered", "Допомогу надано"),
            ),
            DAYS_TO_FIRST_ASSISTANCE,
        ),
    ),
    ReportSpec(
        name="quality",
        title=_title("Quality of assistance", "Якість допомоги"),
        measures=(
            REFERRALS_SENT,
            Measure(
                "acceptance_rate",
                "acceptance",
                "referrals",
                SERVICES,
                _title("Referrals accepted (% of answered)", "Прийнято (% відповідей)"),
                value="percent",
            ),
            DAYS_TO_ANSWER,
            DAYS_TO_FIRST_ASSISTANCE,
            Measure(
                "feedback_share",
                "feedback_share",
                "services",
                SERVICES,
                _title("Services with the person's feedback (%)", "Послуги з відгуком особи (%)"),
                value="percent",
            ),
            Measure(
                "feedback_ratings",
                "feedback_ratings",
                "feedback",
                (*TIME, "region", "service", "agency", "rating"),
                _title("The person's rating of the service", "Оцінка послуги особою"),
            ),
            Measure(
                "feedback_reasons",
                "feedback_reasons",
                "mentions",
                (*TIME, "region", "service", "agency", "reason"),
                _title("Reasons given with the rating", "Причини, названі з оцінкою"),
            ),
            Measure(
                "closure_outcomes",
                "closure_outcomes",
                "closures",
                TIME + PERSON + ("outcome",),
                _title("Where the person stood at closure", "Становище особи під час закриття"),
            ),
            Measure(
                "follow_up_outcomes",
                "follow_up_outcomes",
                "follow_ups",
                TIME + PERSON + ("outcome",),
                _title("Where the person stood at follow-up", "Становище особи під час супроводу"),
            ),
        ),
    ),
)
"""`quality` reuses assistance's measures: the two never disagree on a shared figure."""


def form_of(forms: Any) -> str | None:
    """One form per case: the one recorded, or `mixed` for several (the Ministry's rule)."""
    values = {str(f) for f in forms or ()}
    if not values:
        return None
    return values.pop() if len(values) == 1 else "mixed"


def handle(event: Event, changes: Changes) -> None:
    if event.link is not None:  # a link of two cases to one person, or its undoing
        if event.link.event in (LINK, UNLINK):
            low, high = sorted((event.case_id, event.link.other_case), key=str)
            row = {"low": low, "high": high, "linked": event.link.event == LINK}
            row["recorded_at"] = event.recorded_at  # the latest row of a pair by position counts
            changes.upsert("stat_links", {"position": event.position}, set=row)
        return
    report, on = event.report, event.occurred_on
    profile: dict[str, Any] = {
        column: report[field] for field, column in PROFILE.items() if field in report
    }
    if "exploitation_forms" in report:
        profile["form"] = form_of(report["exploitation_forms"])
    if profile.get("age_group") is not None:
        profile["child"] = profile["age_group"] in CHILD_BANDS
    if event.opened:
        profile.update(region=event.region, workflow_id=event.workflow_id, screened_on=on)
        _occurrence(event, changes, "screened")
        for indicator in report.get("indicators") or ():
            _occurrence(event, changes, "indicator", str(indicator))
    if profile:
        changes.upsert(
            "stat_cases",
            {"case_id": event.case_id},
            set=profile,
            greatest={"changed_at": event.recorded_at, "changed_position": event.position},
        )
        changes.upsert(
            "stat_case_changes",
            {"position": event.position},
            set={"case_id": event.case_id, "recorded_at": event.recorded_at, **profile},
        )
    milestones = event.milestones
    for milestone, kind in OCCURRENCES.items():
        if milestone in milestones:
            _occurrence(event, changes, kind)
    if "assistance_delivered" in milestones:
        _occurrence(event, changes, "assistance", str(report.get("assistance_type") or ""))
    for field, kind in (("closure_outcome", "outcome"), ("follow_up_outcome", "follow_up")):
        if report.get(field) is not None:
            _occurrence(event, changes, kind, str(report[field]))
    if event.referral_id is not None:
        _referral(event, changes)


def _occurrence(
    event: Event, changes: Changes, kind: str, item: str = "", referral_id: str = ""
) -> None:
    changes.upsert(
        "stat_events",
        {"position": event.position, "kind": kind, "item": item},
        set={
            "referral_id": referral_id,
            "case_id": event.case_id,
            "recorded_at": event.recorded_at,
            "occurred_on": event.occurred_on,
            "region": event.region,
        },
    )


def _referral(event: Event, changes: Changes) -> None:
    milestones = event.milestones
    key = {"case_id": event.case_id, "referral_id": event.referral_id}
    if "referral_sent" in milestones:
        changes.upsert(
            "stat_referrals",
            key,
            set={"region": event.region, "service": event.service, "agency": event.agency},
            first={
                "sent_on": event.occurred_on,
                "sent_at": event.recorded_at,
                "sent_position": event.position,
            },
        )
    if "assistance_delivered" in milestones:
        changes.upsert(
            "stat_referrals",
            key,
            first={
                "assisted_on": event.occurred_on,
                "assisted_at": event.recorded_at,
                "assisted_position": event.position,
            },
        )
    rating = event.report.get("feedback_rating")
    if rating is not None:
        _feedback(event, changes, str(rating))
    for milestone, answer in (("referral_accepted", "accepted"), ("referral_rejected", "rejected")):
        if milestone in milestones:
            changes.upsert(
                "stat_referrals",
                key,
                first={
                    "answer": answer,
                    "answered_on": event.occurred_on,
                    "answered_at": event.recorded_at,
                    "answered_position": event.position,
                },
            )


def _feedback(event: Event, changes: Changes, rating: str) -> None:
    """A feedback on a referral: counted by its rating and each reason; the referral has one."""
    referral_id = event.referral_id or ""
    _occurrence(event, changes, "feedback", rating, referral_id)
    for reason in event.report.get("feedback_reasons") or ():
        _occurrence(event, changes, "feedback_reason", str(reason), referral_id)
    changes.upsert(
        "stat_referrals",
        {"case_id": event.case_id, "referral_id": event.referral_id},
        first={"feedback_at": event.recorded_at, "feedback_position": event.position},
    )
