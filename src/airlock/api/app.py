"""create_app(): the one place the HTTP application is assembled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from airlock import __version__
from airlock.api.auth import authorize
from airlock.api.blocking import new_pool
from airlock.api.errors import install_error_table
from airlock.api.fast_outputs import OutputsFastPath
from airlock.api.limits import BodyLimitMiddleware
from airlock.api.openapi import install_openapi
from airlock.api.pages import build_templates
from airlock.api.refusal_log import RefusalLog, flush_refusals_periodically
from airlock.api.request_ids import RequestIdMiddleware
from airlock.api.route_permissions import unlisted_routes
from airlock.api.routes import (
    approver_ui,
    assess_ui,
    budgets,
    datasets,
    docs,
    exports,
    health,
    index,
    ledger,
    lineage,
    locks,
    metrics,
    outputs,
    principals,
    projects,
    requests,
    scans,
    ui,
    weights,
)
from airlock.api.throttle import SignInThrottle
from airlock.api.upload_guard import RouteLimit, UploadGuard
from airlock.errors import AirlockError, ConfigError
from airlock.service import Airlock

MAX_JSON_BODY_BYTES = 1024 * 1024
# Uploads stream into the outbox under the upload guard's per-route bound instead.
UPLOAD_PATHS = ("/exports", "/packages", "/datasets", "/protected-models", "/scans")
_log = logging.getLogger("airlock.ledger")
_TEMPLATES = Path(__file__).parent / "templates"


def create_app(airlock: Airlock, metrics_dir: str | None = None) -> FastAPI:
    """The ASGI app serving the JSON API, its OpenAPI document and the web UI.

    While it runs, it signs a ledger checkpoint whenever the log has grown and the
    configured interval has passed (issue 3: checkpoints on a short interval).
    ``metrics_dir`` is prometheus_client's multiprocess folder when several workers serve.

    Raises:
        LedgerIntegrityError: the database's log is shorter than, or forked from, the
            checkpoint retained outside it (issue 22): a rolled-back database is not served.
    """
    airlock.ledger.check_not_rolled_back()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(_checkpoint_periodically(airlock)),
            asyncio.create_task(flush_refusals_periodically(refusal_log)),
        ]
        if airlock.settings.outputs.upstream_url:
            tasks.append(asyncio.create_task(_commit_outputs_periodically(airlock)))
            if airlock.settings.outputs.flush_window_ms:
                tasks.append(asyncio.create_task(_flush_outputs_periodically(airlock)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            if airlock.settings.outputs.upstream_url:
                await airlock.outputs_gateway().aclose()
                await run_in_threadpool(airlock.outputs_gateway().close_leases)
                await run_in_threadpool(airlock.outputs_gateway().flush_if_needed)
            await asyncio.to_thread(app.state.blocking.shutdown)  # lets running exports finish
            await run_in_threadpool(refusal_log.drain)

    app = FastAPI(
        lifespan=lifespan,
        title="airlock",
        version=__version__,
        description="Boundary gateway of the weight enclave.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    # The facade parses the signing key when the ledger is first used (issue 13): here, so
    # that a key it cannot use stops the gateway's start rather than its first request.
    _ = airlock.ledger
    app.state.airlock = airlock
    app.state.blocking = new_pool()
    from airlock.ops.scrape import DecisionTimer  # noqa: PLC0415 -- keeps CLI start-up light

    app.state.decision_timer = DecisionTimer(metrics_dir)
    app.state.templates = build_templates(_TEMPLATES)
    app.state.sign_in_throttle = SignInThrottle()
    refusal_log = RefusalLog(airlock)
    app.state.refusals = refusal_log
    install_error_table(app)
    for group in (
        health,
        principals,
        projects,
        requests,
        exports,
        locks,
        budgets,
        datasets,
        lineage,
        weights,
        scans,
        ledger,
        metrics,
        outputs,
        index,
        ui,
        approver_ui,
        assess_ui,
        docs,
    ):
        # One gate for every route: the permission table (issue 14).
        app.include_router(group.router, dependencies=[Depends(authorize)])
    docs.mount_assets(app)
    if missing := unlisted_routes(app.routes):
        raise ConfigError(f"routes without a permission entry: {', '.join(missing)}")
    install_openapi(app)
    # Innermost: the inference endpoints, answered before the router (issue 20), inside
    # the body limit, the upload guard and the request ids like every route.
    app.add_middleware(OutputsFastPath)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=MAX_JSON_BODY_BYTES,
        exempt_prefixes=UPLOAD_PATHS,
    )
    uploads = airlock.settings.uploads
    app.add_middleware(
        UploadGuard,
        airlock=airlock,
        refusals=refusal_log,
        routes={
            "/exports": RouteLimit(uploads.max_export_bytes, budgeted=True),
            "/packages": RouteLimit(uploads.max_package_bytes),
            "/datasets": RouteLimit(uploads.max_export_bytes),
            "/protected-models": RouteLimit(uploads.max_export_bytes),
            "/scans": RouteLimit(uploads.max_export_bytes),
        },
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: refusals by the others carry it too
    return app


async def _commit_outputs_periodically(airlock: Airlock) -> None:
    """Commit logged model responses to the ledger in batches (issue 20)."""
    while True:
        await asyncio.sleep(airlock.settings.outputs.batch_seconds)
        try:
            await run_in_threadpool(airlock.commit_outputs)
        except AirlockError as e:
            _log.warning("could not commit a batch of model outputs: %s", e.message)
        try:
            # Expired budget leases: this worker's go back, dead workers' are reclaimed.
            await run_in_threadpool(airlock.outputs_gateway().maintain_leases)
        except AirlockError as e:
            _log.warning("could not close expired output budget leases: %s", e.message)


async def _flush_outputs_periodically(airlock: Airlock) -> None:
    """With ``flush_window_ms > 0``, responses leave before their disk flush: it runs here,
    at least every ``flush_window_ms`` (docs/adr/0014)."""
    gateway = airlock.outputs_gateway()
    while True:
        await asyncio.sleep(airlock.settings.outputs.flush_window_ms / 1000)
        try:
            await gateway.flush_if_needed_async()
        except AirlockError as e:
            _log.error("could not flush logged model outputs to disk: %s", e.message)


async def _checkpoint_periodically(airlock: Airlock) -> None:
    tick = min(5, airlock.settings.ledger.checkpoint_interval_seconds)
    while True:
        await asyncio.sleep(tick)
        try:
            signed = await run_in_threadpool(airlock.ledger.checkpoint_if_due)
        except AirlockError as e:
            _log.warning("could not sign a ledger checkpoint: %s", e.message)
            continue
        if signed is not None:
            _log.info("signed ledger checkpoint at size %d", signed.checkpoint.size)
