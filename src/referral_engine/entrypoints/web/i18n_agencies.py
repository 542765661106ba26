"""The agency registry's pages in English and Ukrainian (merged into `i18n.MESSAGES`): kinds and
history events in words, never their codes."""

from __future__ import annotations

AGENCIES: dict[str, tuple[str, str]] = {
    "nav.agencies": ("Agencies", "Організації"),
    "error.no_agency_access": (
        "Only admins may change the agency registry.",
        "Змінювати реєстр організацій можуть лише адміністратори.",
    ),
    "ag.title": ("Agency registry", "Реєстр організацій"),
    "ag.intro": (
        "The agencies that take part in the referral mechanism, what they offer where, and their "
        "co-operation agreements.",
        "Організації, що беруть участь у механізмі перенаправлення: які послуги й де вони надають "
        "та їхні угоди про співпрацю.",
    ),
    "ag.filters": ("Filter agencies", "Фільтр організацій"),
    "ag.kind": ("Kind", "Тип"),
    "ag.kind.any": ("Any kind", "Будь-який тип"),
    "ag.kind.state_body": ("State body", "Орган державної влади"),
    "ag.kind.police_unit": ("Police unit", "Підрозділ поліції"),
    "ag.kind.ngo": ("Non-governmental organisation", "Громадська організація"),
    "ag.kind.service_provider": ("Service provider", "Надавач послуг"),
    "ag.kind.international_organisation": (
        "International organisation",
        "Міжнародна організація",
    ),
    "ag.service": ("Service", "Послуга"),
    "ag.services": ("Services", "Послуги"),
    "ag.services.help": (
        "Service codes separated by commas, as the workflows name them (legal_aid, shelter).",
        "Коди послуг через кому, як їх називають процедури (legal_aid, shelter).",
    ),
    "ag.region": ("Region", "Область"),
    "ag.region.any": ("Any region", "Будь-яка область"),
    "ag.regions": ("Regions served", "Області обслуговування"),
    "ag.regions.help": (
        "Hold Ctrl (or Cmd) to choose several.",
        "Утримуйте Ctrl (або Cmd), щоб обрати кілька.",
    ),
    "ag.filter": ("Show", "Показати"),
    "ag.name": ("Name", "Назва"),
    "ag.name_en": ("Name in English", "Назва англійською"),
    "ag.name_uk": ("Name in Ukrainian", "Назва українською"),
    "ag.id": ("Registry id", "Ідентифікатор у реєстрі"),
    "ag.id.help": (
        "2 to 64 lower-case Latin letters, digits and hyphens, e.g. shelter-kyiv. It cannot be "
        "changed later.",
        "Від 2 до 64 малих латинських літер, цифр і дефісів, наприклад shelter-kyiv. Змінити його "
        "потім не можна.",
    ),
    "ag.none": ("No agency matches.", "Жодна організація не відповідає."),
    "ag.register": ("Register an agency", "Зареєструвати організацію"),
    "ag.registered": ("The agency was registered.", "Організацію зареєстровано."),
    "ag.saved": ("Saved.", "Збережено."),
    "ag.not_done": ("Nothing was saved.", "Нічого не збережено."),
    "ag.details": ("Details", "Відомості"),
    "ag.change": ("Change the details", "Змінити відомості"),
    "ag.save": ("Save", "Зберегти"),
    "ag.version": ("Version", "Версія"),
    "ag.as_of": (
        "As it was at version {version}.",
        "Такою вона була у версії {version}.",
    ),
    "ag.now": ("Show it as it is now", "Показати поточний стан"),
    "ag.agreements": ("Co-operation agreements", "Угоди про співпрацю"),
    "ag.agreements.none": ("No agreements recorded.", "Угод не записано."),
    "ag.agreement": ("Agreement", "Угода"),
    "ag.agreement.id": ("Agreement id", "Ідентифікатор угоди"),
    "ag.with": ("With", "З ким"),
    "ag.signed_on": ("Signed on", "Дата підписання"),
    "ag.valid_until": ("Valid until", "Чинна до"),
    "ag.open_ended": ("no end date", "безстроково"),
    "ag.reference": ("Reference", "Реквізити"),
    "ag.status": ("Status", "Стан"),
    "ag.in_force": ("in force", "чинна"),
    "ag.ended": ("ended on {on}: {reason}", "припинена {on}: {reason}"),
    "ag.record": ("Record an agreement", "Записати угоду"),
    "ag.end": ("End this agreement", "Припинити угоду"),
    "ag.ended_on": ("Ended on", "Дата припинення"),
    "ag.reason": ("Reason", "Причина"),
    "ag.history": ("History", "Історія"),
    "ag.by": ("by {user}", "виконав(ла) {user}"),
    "ag.see": ("See this version", "Переглянути цю версію"),
    "ag.event.registered": ("Registered", "Зареєстровано"),
    "ag.event.details_changed": ("Details changed", "Відомості змінено"),
    "ag.event.agreement_recorded": ("Agreement recorded", "Угоду записано"),
    "ag.event.agreement_ended": ("Agreement ended", "Угоду припинено"),
    "picker.by_service": (
        "Registered agencies offering each service in this case's region, listed under the "
        "service: choosing an agency chooses its service too.",
        "Зареєстровані організації, що надають кожну послугу в області цієї справи, згруповано "
        "за послугами: обравши організацію, ви обираєте й послугу.",
    ),
    "picker.fitting": (
        "Registered agencies of the kind needed that serve this case's region.",
        "Зареєстровані організації потрібного типу, що обслуговують область цієї справи.",
    ),
    "picker.none": (
        "No registered agency fits here yet: an administrator registers agencies and their "
        "agreements in the agency registry.",
        "Жодна зареєстрована організація тут поки не підходить: організації та їхні угоди "
        "реєструє адміністратор у реєстрі організацій.",
    ),
}
