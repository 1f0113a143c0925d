"""`GET /metrics`: Prometheus exposition behind the scrape token (issue 21)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from airlock.api.auth import AirlockDep

if TYPE_CHECKING:
    from airlock.ops.scrape import DecisionTimer

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request, airlock: AirlockDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Counters derived from the store (equal on every worker) and the latency histogram."""
    # Imported here: prometheus_client costs the CLI's start-up 30 ms it rarely needs.
    from prometheus_client import CONTENT_TYPE_LATEST

    from airlock.ops.scrape import check_scrape_token

    check_scrape_token(authorization, airlock.settings.metrics.scrape_token_sha256)
    timer: DecisionTimer = request.app.state.decision_timer
    return Response(timer.exposition(airlock.boundary_figures()), media_type=CONTENT_TYPE_LATEST)
