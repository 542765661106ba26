"""Transfers between regions and assignment on the pages, in English and Ukrainian (merged into
`i18n.MESSAGES`)."""

from __future__ import annotations

TRANSFERS: dict[str, tuple[str, str]] = {
    # the engine's own commands, as errors name them
    "move.request_transfer": ("Request a transfer", "Запросити передавання"),
    "move.accept_transfer": ("Accept the transfer", "Прийняти передавання"),
    "move.refuse_transfer": ("Refuse the transfer", "Відмовити в передаванні"),
    "move.withdraw_transfer": ("Withdraw the transfer", "Відкликати передавання"),
    "move.assign": ("Assign the case", "Призначити справу"),
    # the history's words for the engine's events
    "event.TransferRequested": (
        "Transfer to another region requested",
        "Запит на передавання до іншої області",
    ),
    "event.TransferAccepted": (
        "Transfer accepted: the case moved",
        "Передавання прийнято: справу передано",
    ),
    "event.TransferRefused": ("Transfer refused", "У передаванні відмовлено"),
    "event.TransferWithdrawn": ("Transfer withdrawn", "Передавання відкликано"),
    "event.CaseAssigned": ("Case assigned", "Справу призначено"),
    "event.CaseUnassigned": ("Assignment ended", "Призначення знято"),
    "move.from_to": ("From {source} to {target}", "З області «{source}» до області «{target}»"),
    "move.reason": ("Reason", "Причина"),
    "move.note": ("Note", "Примітка"),
    "move.to_user": ("Assigned to {user}", "Призначено: {user}"),
    # the case page
    "move.title": ("Region and assignment", "Область і відповідальний"),
    "move.assigned": ("Assigned to", "Відповідальний"),
    "move.nobody": ("Nobody", "Нікого"),
    "move.assign_to": ("Assign to", "Призначити"),
    "move.assign_button": ("Assign", "Призначити"),
    "move.take": ("Assign to me", "Призначити мені"),
    "move.give_back": ("Give the case back", "Відмовитися від справи"),
    "move.waiting": (
        "A transfer to {region} was requested on {day} by {user}. Reason: {reason}.",
        "{day} {user} запросив(ла) передавання до області «{region}». Причина: {reason}.",
    ),
    "move.receiving": (
        "This case is in {region}. Its transfer to your region waits for your answer: you see "
        "it to decide, and work on it once you accept.",
        "Справа в області «{region}». Її передавання до вашої області чекає на вашу відповідь: "
        "ви бачите її, щоб ухвалити рішення, а працювати з нею зможете, коли приймете.",
    ),
    "move.request": ("Transfer to another region", "Передати до іншої області"),
    "move.request_hint": (
        "The receiving region's office decides. Until it accepts, the case stays here; after, "
        "only the receiving region sees it. Deadlines keep their dates.",
        "Рішення ухвалює служба області, що приймає. Доки вона не прийме, справа лишається тут; "
        "після — її бачить лише та область. Строки не змінюються.",
    ),
    "move.region": ("Receiving region", "Область, що приймає"),
    "move.choose": ("Choose…", "Оберіть…"),
    "move.why": ("Reason", "Причина"),
    "move.note_hint": (
        "Optional. Personal data: shown only to those who may read it.",
        "Необов'язково. Особисті дані: їх бачать лише ті, кому дозволено.",
    ),
    "move.send": ("Request the transfer", "Запросити передавання"),
    "move.accept": ("Accept the transfer", "Прийняти передавання"),
    "move.refuse": ("Refuse the transfer", "Відмовити в передаванні"),
    "move.refusal_reason": ("Reason for refusing", "Причина відмови"),
    "move.withdraw": ("Withdraw the request", "Відкликати запит"),
    "move.not_recorded": ("Nothing was recorded.", "Нічого не записано."),
    # the queue
    "queue.mine": ("My cases only", "Лише мої справи"),
    "queue.assigned": ("Assigned to", "Відповідальний"),
    "queue.transfer_to": ("Transfer waiting: to {region}", "Очікує передавання: до «{region}»"),
    "queue.transfers_title": (
        "Transfers waiting for your answer",
        "Передавання, що чекають на вашу відповідь",
    ),
    "queue.transfers_intro": (
        "Cases another region asks yours to take over. Open one to accept or refuse.",
        "Справи, які інша область просить прийняти. Відкрийте справу, щоб прийняти або відмовити.",
    ),
    "queue.transfer_from": ("From", "Звідки"),
    "queue.transfer_asked": ("Asked on", "Запитано"),
}
