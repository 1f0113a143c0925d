"""The OpenAPI document, made to say what the API really answers (issues 18 and 22).

Three things FastAPI gets wrong for this API unless told:

* error statuses: routes declare theirs with :func:`errors`, built from the exception tree in
  :mod:`airlock.errors` (the same table :mod:`airlock.api.errors` answers from), so a status
  is documented with the error body the API really sends;
* validation errors: the error table answers 400 ``InvalidInput``, not FastAPI's 422 with its
  own body, so :func:`install_openapi` rewrites every generated 422 into that 400;
* non-JSON bodies: :func:`binary` and :func:`content` document downloads, signed notes and
  the package index with their real media types.

It does not check the document against the API: the schemathesis test in
``tests/integration/test_openapi_conformance.py`` does that.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from airlock.api.route_permissions import Guarded, rule_for
from airlock.api.schemas import ErrorResponse
from airlock.errors import AirlockError

Responses = dict[int | str, dict[str, Any]]

# Statuses that do not come from an AirlockError subclass but from the API's own guards.
_GUARDS = {
    400: "the request is malformed or fails validation (InvalidInput)",
    413: "the request body is larger than the API accepts (InvalidInput)",
}
_STORE_DOWN = 503
_GATE = (401, 403, 429)  # no token or session, a role that may not, too many failures
_FRAMEWORK_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _error_types(status: int) -> list[str]:
    found: list[str] = []
    pending: list[type[AirlockError]] = [AirlockError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind.http_status == status and kind is not AirlockError:
            found.append(kind.__name__)
    return sorted(found)


def _describe(status: int) -> str:
    if status in _GUARDS:
        return _GUARDS[status]
    types = _error_types(status)
    if not types:
        raise ValueError(f"no airlock error answers HTTP {status}")
    return "error: " + ", ".join(types)


def errors(*statuses: int) -> Responses:
    """The ``responses=`` of a route that can answer ``statuses``, each with the API's error
    body (``{"error": {"type", "message"}}``). 503 is always included: every route reads the
    store, and a store that cannot be reached answers 503.

    Raises: ValueError for a status that no airlock error nor API guard produces, so a route
    cannot document a status the error table never sends.
    """
    return {
        status: {"model": ErrorResponse, "description": _describe(status)}
        for status in sorted({*statuses, _STORE_DOWN})
    }


def content(description: str, *media_types: str, schema: dict[str, Any] | None = None) -> Responses:
    """A 200 answer whose body is not the route's JSON model."""
    body = schema if schema is not None else {"type": "string"}
    return {
        200: {"description": description, "content": {m: {"schema": body} for m in media_types}}
    }


def binary(description: str) -> Responses:
    """A 200 answer that streams bytes (a release, a package file)."""
    return content(
        description, "application/octet-stream", schema={"type": "string", "format": "binary"}
    )


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with a generator that documents validation errors as the
    error table answers them: 400 with the error body, not 422 with FastAPI's body."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for route, path in document.get("paths", {}).items():
            for method, operation in path.items():
                responses = operation.setdefault("responses", {})
                if isinstance(rule_for(method.upper(), route), Guarded):
                    _add_gate_statuses(responses)
                _as_error_table(responses)
        schemas = document.get("components", {}).get("schemas", {})
        for name in _FRAMEWORK_SCHEMAS:
            schemas.pop(name, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _add_gate_statuses(responses: dict[str, Any]) -> None:
    """What the permission gate (airlock.api.auth.authorize) answers on a guarded route."""
    for status in _GATE:
        responses.setdefault(
            str(status),
            {
                "description": _describe(status),
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
                },
            },
        )


def _as_error_table(responses: dict[str, Any]) -> None:
    for status, response in responses.items():
        # FastAPI files a `model` under the route's media type (text/plain on a route that
        # answers a signed note), but the error table always answers JSON.
        media = response.get("content", {})
        if status[0] in "45" and "ErrorResponse" in str(media):
            response["content"] = {"application/json": next(iter(media.values()))}
    generated = responses.get("422")
    if generated is None or "HTTPValidationError" not in str(generated):
        return
    del responses["422"]
    responses.setdefault(
        "400",
        {
            "description": _GUARDS[400],
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
            },
        },
    )
