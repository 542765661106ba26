"""`serve --workers N` hands uvicorn the name of an app factory that each worker imports."""

from __future__ import annotations

from uvicorn.importer import import_from_string

from referral_engine.entrypoints.asgi import create_app
from referral_engine.entrypoints.cli.main import APP_FACTORY


def test_the_factory_served_by_several_workers_is_the_app_factory() -> None:
    assert import_from_string(APP_FACTORY) is create_app
