"""A register imported over HTTP, shared by `POST /api/imports` and the import page: the same
checks, the same run and the same audit entry as `referral-engine import` (entrypoints/cli/
imports.py), the admin who uploads being the importer.

The import runs within the request (a 10,000-row register takes about ten seconds): both routes
are sync `def`, so FastAPI runs them in its thread pool and the event loop keeps serving."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from referral_engine.adapters.security import User
from referral_engine.application.importing import ImportReport, Imports
from referral_engine.application.mapping_yaml import mapping_text
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import RegisterUnreadable
from referral_engine.domain.text import shown_safely, text_problem
from referral_engine.entrypoints.http.audit import mark_of

API_PATH, PAGE_PATH = "/api/imports", "/imports"
"""The two routes that take a register: the body limit lets them send `max_import_bytes`."""


@dataclass(frozen=True)
class Upload:
    """What an admin sent: the register's name and bytes, the mapping's bytes, the choices."""

    file_name: str
    data: bytes
    mapping: bytes
    workflow: str
    version: int | None = None
    region: str | None = None
    dry_run: bool = True


def run_import(request: Request, runtime: Runtime, user: User, upload: Upload) -> ImportReport:
    """Read the register, import it (or check it, in a dry run) as `user`, and note the file,
    its digest, the counts and the dry run (never a row's content) on the request's audit mark."""
    name = _file_name(upload.file_name)
    mark = mark_of(request)
    mark.detail = {"file": name, "file_size": len(upload.data), "dry_run": upload.dry_run}
    text = mapping_text(upload.mapping)
    register = read_register(upload.data, name)
    mark.detail["file_digest"] = register.digest
    imports = Imports(runtime.engine.store, runtime.engine.workflows, runtime.engine.clock)
    report = imports.run(
        register,
        upload.workflow,
        text,
        actor=user.actor,
        dry_run=upload.dry_run,
        region=upload.region,
        version=upload.version,
    )
    mark.detail = report.summary()
    return report


def _file_name(name: str) -> str:
    """The uploaded file's own name (a browser may send a path), checked like any name."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base:
        raise RegisterUnreadable("the file has no name: it must end in .csv or .xlsx")
    if len(base) > 200 or text_problem(base) is not None:
        raise RegisterUnreadable(f"the file's name is not acceptable ({shown_safely(base[:60])})")
    return base
