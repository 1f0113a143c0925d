"""The CLI as a client of the gateway (issue 14): with ``$AIRLOCK_URL``, `export`, `approve`
and `reject` go over HTTP with the caller's own token, so the caller's shell needs no access
to the home at all (no key, no database). The gateway authenticates, decides and records.

Only httpx is imported, and only when a command uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from airlock.errors import (
    AirlockError,
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServerError,
    SourceError,
)

TIMEOUT_SECONDS = 600.0  # an upload of a large artifact is inspected before the answer
_BY_STATUS: dict[int, type[AirlockError]] = {
    400: InvalidInput,
    401: AuthenticationRequired,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: InvalidInput,
}


UNIX_PREFIX = "unix:"


@dataclass(frozen=True, slots=True)
class Gateway:
    """``url`` is ``http(s)://...`` (then ``token`` is required), or ``unix:PATH`` of a
    gateway's Unix socket, where the gateway knows the caller by their OS user
    (SO_PEERCRED) and ``token`` may be "" (issue 14)."""

    url: str
    token: str

    @property
    def over_socket(self) -> bool:
        return self.url.startswith(UNIX_PREFIX)

    def _client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if self.over_socket:
            return httpx.Client(
                base_url="http://airlock",
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                transport=httpx.HTTPTransport(uds=self.url.removeprefix(UNIX_PREFIX)),
                trust_env=False,
            )
        return httpx.Client(
            base_url=self.url.rstrip("/"),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            trust_env=False,  # never through a proxy from the environment: the token goes here
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            with self._client() as client:
                response = client.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise ServerError(f"cannot reach the gateway at {self.url}: {e}") from e
        if response.status_code >= 400:
            raise _error(response)
        return response.json()

    def me(self) -> str:
        """The name the gateway knows this token by."""
        return str(self._call("GET", "/principals/me")["name"])

    def export(self, path: Path, purpose: str, project: str | None) -> dict[str, Any]:
        data = {"purpose": purpose, **({"project": project} if project else {})}
        try:
            with path.open("rb") as handle:
                answer: dict[str, Any] = self._call(
                    "POST", "/exports", data=data, files={"file": (path.name, handle)}
                )
        except OSError as e:
            raise SourceError(f"cannot read {path}: {e.strerror}") from e
        return answer

    def vote(self, request: str, approve: bool, reason: str) -> dict[str, Any]:
        """Vote on the bytes the gateway holds for ``request`` (their digest binds the vote)."""
        current = self._call("GET", f"/requests/{request}")
        body = {"approve": approve, "reason": reason, "digest": current["digest"]}
        answer: dict[str, Any] = self._call("POST", f"/requests/{request}/votes", json=body)
        return answer


def _error(response: httpx.Response) -> AirlockError:
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text[:300]
    kind = _BY_STATUS.get(response.status_code, ServerError)
    return kind(f"the gateway answered {response.status_code}: {message}")
