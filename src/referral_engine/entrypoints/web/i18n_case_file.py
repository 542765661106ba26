"""Case notes and documents on the pages, in English and Ukrainian (merged into
`i18n.MESSAGES`)."""

from __future__ import annotations

CASE_FILE: dict[str, tuple[str, str]] = {
    # the history's words for the engine's events
    "event.NoteAdded": ("Note added", "Додано примітку"),
    "event.DocumentUploaded": ("Document uploaded", "Завантажено документ"),
    "paper.note": ("Note", "Примітка"),
    "paper.document": ("Document", "Документ"),
    # the kinds of document
    "paper.kind.consent": ("Signed consent", "Підписана згода"),
    "paper.kind.identity": ("Identity document", "Документ, що посвідчує особу"),
    "paper.kind.application": ("Application", "Заява"),
    "paper.kind.decision": ("Decision", "Рішення"),
    "paper.kind.other": ("Other document", "Інший документ"),
    # the notes section
    "paper.notes": ("Notes", "Примітки"),
    "paper.no_notes": ("No notes yet.", "Приміток ще немає."),
    "paper.by": ("{role}, {time}", "{role}, {time}"),
    "paper.add_note": ("Add a note", "Додати примітку"),
    "paper.note_text": ("Note", "Текст примітки"),
    "paper.note_hint": (
        "Up to {limit} characters. Personal data: shown only to those who may read the "
        "case's personal data, and erased with it.",
        "До {limit} символів. Особисті дані: їх бачать лише ті, кому дозволено читати особисті "
        "дані справи, і їх стирають разом з ними.",
    ),
    "paper.save_note": ("Save the note", "Зберегти примітку"),
    # the documents section
    "paper.documents": ("Documents", "Документи"),
    "paper.no_documents": ("No documents yet.", "Документів ще немає."),
    "paper.kind": ("Kind", "Вид"),
    "paper.file": ("File", "Файл"),
    "paper.size": ("Size", "Розмір"),
    "paper.uploaded": ("Uploaded by", "Хто завантажив"),
    "paper.download": ("Download", "Завантажити"),
    "paper.download_label": ("Download {name}", "Завантажити {name}"),
    "paper.erased_file": (
        "Erased with the case's personal data",
        "Стерто разом з особистими даними справи",
    ),
    "paper.upload": ("Upload a document", "Завантажити документ"),
    "paper.choose_kind": ("Choose…", "Оберіть…"),
    "paper.file_hint": (
        "A PDF, JPEG or PNG file of at most {mb} MB. It is stored encrypted and erased with "
        "the case's personal data.",
        "Файл PDF, JPEG або PNG розміром до {mb} МБ. Його зберігають зашифрованим і стирають "
        "разом з особистими даними справи.",
    ),
    "paper.send": ("Upload", "Завантажити"),
    "paper.not_recorded": ("Nothing was recorded.", "Нічого не записано."),
    "paper.no_file": ("Choose a file to upload", "Оберіть файл для завантаження"),
    "paper.erased": (
        "This case's personal data was erased: its notes and documents can no longer be read, "
        "and none can be added.",
        "Особисті дані цієї справи стерто: її примітки й документи більше не можна прочитати, "
        "а нові додати не можна.",
    ),
    "paper.kb": ("{n} KB", "{n} КБ"),
    "paper.mb": ("{n} MB", "{n} МБ"),
    "error.no_case_file_access": (
        "Analysts, statisticians and administrators do not read notes or documents: they are "
        "personal data.",
        "Аналітики, статистики й адміністратори не читають примітки та документи: це особисті "
        "дані.",
    ),
}
