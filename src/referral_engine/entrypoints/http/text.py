"""The text check (domain/text.py) at every HTTP entry, shared by the API and the pages.

- request bodies: every string field of a request model is a `Name` or a `FreeText`, and the
  keys of its `Data` are names; the API's request base refuses, when a model is declared, a
  string field that is neither and an integer or boolean field that is not strict (`"3"` and
  `true` are no version): see `unchecked_fields`. A model added later is covered without
  remembering it;
- addresses and headers: `check_request`, a dependency of every route of the app, checks every
  query parameter (name and value), every path parameter and every header a route declares,
  and refuses the first bad one as a validation error naming it (422 for the API, an error page
  for the pages);
- the values inside `data` are checked by the domain's own field checks (domain/fields.py),
  which name each field (`data.note`), for the API, the pages and the CLI alike.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel
from pydantic_core import PydanticCustomError

from referral_engine.domain.text import shown_safely, text_problem


def _checked(free_text: bool) -> AfterValidator:
    def check(value: str) -> str:
        found = text_problem(value, free_text=free_text)
        if found is not None:
            raise PydanticCustomError("text", found.message)
        return value

    return AfterValidator(check)


NAME_CHECK = _checked(free_text=False)
FREE_TEXT_CHECK = _checked(free_text=True)
Name = Annotated[str, NAME_CHECK]
"""An identifier, a code, a name: no control or invisible formatting character."""
FreeText = Annotated[str, FREE_TEXT_CHECK]
"""Free text: the same, but tab, carriage return and line feed are allowed."""


def _data_keys(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        found = text_problem(key)
        if found is not None:
            raise PydanticCustomError("text", f"a field name {found.message}")
    return value


DATA_CHECK = AfterValidator(_data_keys)
Data = Annotated[dict[str, Any], DATA_CHECK]
"""A step's data: its keys are names; each value is checked by its field's declaration."""


def unchecked_fields(model: type[BaseModel]) -> list[str]:
    """The fields of a request model that would let unchecked text or a loose type in: a string
    that is no Name, FreeText or Data key, an integer, number or boolean that is not strict."""
    found = []
    for name, field in model.model_fields.items():
        kinds = _leaves(field.annotation)  # an Annotated inside a union brings its checks along
        meta = [*field.metadata, *kinds]
        if str in kinds and not any(m in (NAME_CHECK, FREE_TEXT_CHECK, DATA_CHECK) for m in meta):
            found.append(f"{model.__name__}.{name}: a string must be a Name, FreeText or Data")
        if kinds & {int, bool, float} and not any(getattr(m, "strict", False) for m in meta):
            found.append(f"{model.__name__}.{name}: a number or boolean must be strict")
    return found


def _leaves(annotation: object) -> set[object]:
    args = get_args(annotation)
    if not args:
        return {annotation}
    found: set[object] = set()
    for arg in args:
        found |= _leaves(arg)
    return found


def check_request(request: Request) -> None:
    """Refuse a query parameter, path parameter or declared header holding a character no name
    may hold (422, naming it)."""
    for key, value in request.query_params.multi_items():
        _refuse_if_bad(("query", key), key)
        _refuse_if_bad(("query", key), value)
    for key, value in request.path_params.items():
        if isinstance(value, str):
            _refuse_if_bad(("path", key), value)
    for header in _declared_headers(request.scope.get("route")):
        sent = request.headers.get(header)
        if sent is not None:
            _refuse_if_bad(("header", header), sent)


def _refuse_if_bad(loc: tuple[str, str], value: str) -> None:
    found = text_problem(value)
    if found is not None:
        where = (loc[0], shown_safely(loc[1]))
        error = {"type": "text", "loc": where, "msg": found.message, "input": None}
        raise RequestValidationError([error])


def _declared_headers(route: object) -> list[str]:
    """The headers a route's parameters and dependencies read (by their alias)."""
    if not isinstance(route, APIRoute):
        return []
    names: list[str] = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names += [p.alias for p in dependant.header_params]
        pending += dependant.dependencies
    return names
