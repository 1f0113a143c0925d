"""A request the gateway let through (:meth:`OutputGateway.admit`): what the relay, the
transcript and the budgets need of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airlock.budgets.leases import Amount
from airlock.outputs.openai import Endpoint


@dataclass(frozen=True, slots=True)
class Admission:
    """A request let through: its caller, forced body and reservations."""

    request_id: str
    caller: str
    endpoint: Endpoint
    body: dict[str, Any]
    temperature: float
    seed: int
    max_tokens: int
    max_bytes: int
    stream: bool
    prompt_tokens: tuple[int, ...] | None
    lease_id: str | None = None  # the budget lease it was admitted from (decision 6)
    # The shared flush's ticket of its own reservation's commit (one reservation per
    # request); 0 when admitted from a lease, whose commits the gateway tracks.
    ticket: int = 0
    created: int = 0  # when it was admitted, in Unix seconds (the responses' "created")
    prompt: str = ""  # a text prompt as its transcript records it (docs/adr/0058)
    prompt_bytes: int = 0  # what that takes in the transcript (encoded_size), 0 for none

    @property
    def reserved(self) -> Amount:
        return Amount(self.max_tokens, self.max_bytes)
