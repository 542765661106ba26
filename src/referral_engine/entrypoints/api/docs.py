"""The interactive API docs (Swagger UI) served by this app alone: the Swagger UI files come from
the `fastapi-offline` package, the page starts them with a script of its own (no inline script),
so /docs runs under the same Content-Security-Policy as every page and fetches nothing from the
internet."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_UI = Path(str(files("fastapi_offline") / "static"))
"""Swagger UI's bundle and stylesheet as the fastapi-offline package ships them."""
STATIC = Path(__file__).parent / "static"
ASSETS = "/docs/assets"
OWN = "/docs/static"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API docs</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{own}/start.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from local files (the app is made with docs_url=None)."""
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="docs-assets")
    app.mount(OWN, StaticFiles(directory=STATIC), name="docs-static")
    page = PAGE.format(title=app.title, assets=ASSETS, own=OWN, openapi=app.openapi_url)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        """The API's OpenAPI description in Swagger UI."""
        return HTMLResponse(page)
