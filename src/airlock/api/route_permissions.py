"""Every route of the gateway and the one action it needs (issue 14): the HTTP half of the
permission matrix in :mod:`airlock.approvals.permissions`.

:func:`airlock.api.auth.authorize` enforces this table on every route, in one place; a route
with no entry is refused (fail closed) and makes ``create_app`` fail, and the route x role
test enumerates ``app.routes`` against it. Objects that belong to someone (a request, a
release, a lock, a token, a ledger entry) are checked again by the facade with their owner.

Open routes, and why:

* ``/healthz``, ``/readyz``: probes for load balancers; they say ``ok`` or why not, no data.
* ``/metrics``: guarded by its own scrape token (issue 21), checked by the route.
* ``/docs``, its assets and ``/openapi.json``: the API's shape is published with the source
  and holds no data; clients and the conformance test read it before they have a token.
* ``/ledger/checkpoint`` and ``/ledger/proofs/*``: hashes and signatures only, for witnesses
  and auditors outside the enclave to check the log without an account (issue 3).
* ``/ui/login``: signing in itself, rate limited per client address.
* ``/ui/logout``: signing out deletes the session cookie and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from airlock.approvals.permissions import Action


@dataclass(frozen=True, slots=True)
class Open:
    """Needs no sign-in; ``why`` is the reason, kept with the entry."""

    why: str


@dataclass(frozen=True, slots=True)
class Guarded:
    """Needs a signed-in principal whose role reaches ``action``. ``ui`` routes take the
    session cookie and answer a sign-in redirect or an HTML refusal; the others take a
    bearer token (or HTTP Basic with the token as password, for pip on the index)."""

    action: Action
    ui: bool = False


Rule = Open | Guarded
PROBE = Open("a probe for load balancers: ok or why not, no data")
DOCS = Open("the API's shape is public with the source; no data")
WITNESS = Open("hashes and signatures only, for witnesses and outside auditors")
SIGN_IN = Open("signing in; failures are rate limited per client address")

ROUTES: Mapping[tuple[str, str], Rule] = MappingProxyType(
    {
        ("GET", "/healthz"): PROBE,
        ("GET", "/readyz"): PROBE,
        ("GET", "/metrics"): Open("guarded by its own scrape token (issue 21)"),
        ("GET", "/docs"): DOCS,
        ("GET", "/docs/assets"): DOCS,
        ("GET", "/openapi.json"): DOCS,
        ("GET", "/ledger/checkpoint"): WITNESS,
        ("GET", "/ledger/proofs/inclusion"): WITNESS,
        ("GET", "/ledger/proofs/consistency"): WITNESS,
        ("GET", "/ui/login"): SIGN_IN,
        ("POST", "/ui/login"): SIGN_IN,
        ("POST", "/ui/logout"): Open("signing out only deletes the session cookie"),
        ("GET", "/status"): Guarded(Action.STATUS_READ),
        ("GET", "/metrics/friction"): Guarded(Action.FRICTION_READ),
        ("POST", "/v1/completions"): Guarded(Action.OUTPUT_GENERATE),
        ("POST", "/v1/chat/completions"): Guarded(Action.OUTPUT_GENERATE),
        ("GET", "/principals"): Guarded(Action.PRINCIPAL_LIST),
        ("POST", "/principals"): Guarded(Action.PRINCIPAL_ADD),
        ("GET", "/principals/me"): Guarded(Action.SELF_READ),
        ("GET", "/principals/{name}/tokens"): Guarded(Action.TOKEN_LIST),
        ("POST", "/principals/{name}/tokens"): Guarded(Action.TOKEN_ISSUE),
        ("DELETE", "/principals/{name}/tokens"): Guarded(Action.TOKEN_REVOKE),
        ("DELETE", "/tokens/{token_id}"): Guarded(Action.TOKEN_REVOKE),
        ("GET", "/projects"): Guarded(Action.PROJECT_READ),
        ("POST", "/projects"): Guarded(Action.PROJECT_MANAGE),
        ("GET", "/projects/{project}/members"): Guarded(Action.PROJECT_READ),
        ("POST", "/projects/{project}/members"): Guarded(Action.PROJECT_MANAGE),
        ("GET", "/requests"): Guarded(Action.REQUEST_READ),
        ("GET", "/requests/{request_id}"): Guarded(Action.REQUEST_READ),
        ("POST", "/requests/{request_id}/votes"): Guarded(Action.VOTE),
        ("POST", "/exports"): Guarded(Action.EXPORT_SUBMIT),
        ("GET", "/releases/{request_id}"): Guarded(Action.RELEASE_FETCH),
        ("GET", "/locks"): Guarded(Action.LOCK_READ),
        ("POST", "/locks"): Guarded(Action.LOCK_IMPOSE),
        ("POST", "/locks/lift"): Guarded(Action.LOCK_LIFT),
        ("GET", "/budgets"): Guarded(Action.STATUS_READ),
        ("POST", "/budgets"): Guarded(Action.BUDGET_SET),
        ("GET", "/datasets"): Guarded(Action.REQUEST_READ),  # filtered: own imports
        ("POST", "/datasets"): Guarded(Action.DATASET_IMPORT),
        ("GET", "/datasets/{dataset_id}"): Guarded(Action.REQUEST_READ),
        ("POST", "/datasets/{dataset_id}/scan"): Guarded(Action.DATASET_RESCAN),
        ("POST", "/datasets/{dataset_id}/release"): Guarded(Action.DATASET_RELEASE),
        ("POST", "/lineage"): Guarded(Action.LINEAGE_ADD),
        ("POST", "/lineage/blast-radius"): Guarded(Action.TAINT_READ),
        ("GET", "/protected-models"): Guarded(Action.STATUS_READ),
        ("GET", "/protected-models/{name}"): Guarded(Action.STATUS_READ),
        ("POST", "/protected-models"): Guarded(Action.MODEL_REGISTER),
        ("POST", "/scans"): Guarded(Action.EXPORT_SUBMIT),
        ("POST", "/ledger/checkpoint"): Guarded(Action.CHECKPOINT_SIGN),
        ("GET", "/ledger/entries/{index}"): Guarded(Action.LEDGER_READ),
        ("GET", "/ledger/receipts/{index}"): Guarded(Action.LEDGER_READ),
        ("POST", "/ledger/cosignatures"): Guarded(Action.COSIGNATURE_DELIVER),
        ("GET", "/simple/"): Guarded(Action.INDEX_READ),
        ("GET", "/simple/{project}/"): Guarded(Action.INDEX_READ),
        ("GET", "/packages/{filename}"): Guarded(Action.INDEX_READ),
        ("POST", "/packages"): Guarded(Action.PACKAGE_SUBMIT),
        ("GET", "/package-feed"): Guarded(Action.STATUS_READ),
        ("GET", "/package-publishers"): Guarded(Action.STATUS_READ),
        ("PUT", "/package-publishers/{project}"): Guarded(Action.PACKAGE_POLICY),
        ("DELETE", "/package-publishers/{project}"): Guarded(Action.PACKAGE_POLICY),
        ("GET", "/"): Guarded(Action.SELF_READ, ui=True),  # what it shows is filtered
        ("GET", "/ui/requests"): Guarded(Action.REQUEST_READ, ui=True),
        ("GET", "/ui/requests/{request_id}"): Guarded(Action.REQUEST_READ, ui=True),
        ("GET", "/ui/mine"): Guarded(Action.REQUEST_READ, ui=True),  # the viewer's own
        ("POST", "/ui/requests/{request_id}/vote"): Guarded(Action.VOTE, ui=True),
        ("GET", "/ui/metrics"): Guarded(Action.FRICTION_READ, ui=True),
        ("GET", "/ui/assess"): Guarded(Action.ASSESS_READ, ui=True),
    }
)


def rule_for(method: str, path: str) -> Rule | None:
    """The entry of a route (``path`` is the route's template, e.g. ``/requests/{request_id}``);
    HEAD is answered as GET."""
    return ROUTES.get(("GET" if method == "HEAD" else method, path))


def route_keys(routes: Iterable[Any]) -> list[tuple[str, str]]:
    """(method, path) of every route of an app: API routes and plain routes by their
    methods (HEAD as GET), mounts as GET of their prefix."""
    from fastapi.routing import iter_route_contexts  # noqa: PLC0415 -- the adapter's own

    keys: set[tuple[str, str]] = set()
    for route in iter_route_contexts(list(routes)):
        methods = route.methods or {"GET"}
        keys.update(("GET" if m == "HEAD" else m, str(route.path)) for m in methods)
    return sorted(keys)


def unlisted_routes(routes: Iterable[Any]) -> list[str]:
    """The routes the table has no entry for, as ``METHOD path``."""
    return [f"{m} {p}" for m, p in route_keys(routes) if (m, p) not in ROUTES]
