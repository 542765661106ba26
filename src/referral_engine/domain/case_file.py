"""Case notes and documents (docs/notes.md): the engine's own personal fields they record, their
limits and the kinds of document, shared by the events, the checks and the pages. A leaf of the
domain: the workflow model counts these fields among every workflow's personal ones."""

from __future__ import annotations

from referral_engine.domain.fields import FieldSpec

CASE_NOTE = FieldSpec("case_note", "text", pii=True, title="Note")
"""A note's text: free text, so personal (sealed with the case's key, gone with an erasure)."""
DOCUMENT_NAME = FieldSpec("document_name", "string", pii=True, title="File name")
"""An uploaded document's file name: it may name the person, so it is personal too."""
PAPER_FIELDS = (CASE_NOTE, DOCUMENT_NAME)
NOTE_MAX = 4000
"""The longest note, in characters (a longer account belongs in a document)."""
NAME_MAX = 200
"""The longest file name kept (a longer one is cut, keeping its extension)."""
DOCUMENT_KINDS = ("consent", "identity", "application", "decision", "other")
"""What a document is: signed consent, identity papers, an application, a decision, other."""
NOTE_ADDED, DOCUMENT_UPLOADED = "NoteAdded", "DocumentUploaded"
PAPER_EVENTS = (NOTE_ADDED, DOCUMENT_UPLOADED)
