"""A small OpenAI-compatible inference server on 127.0.0.1 for the output-channel tests.

It serves a tiny transformers model with the airlock-gumbel-v1 protocol
(:func:`airlock.outputs.reference.generate`), over a byte tokenizer (token i is byte i), and
answers /v1/completions and /v1/chat/completions, streaming or not, with vLLM's
``token_ids`` / ``prompt_token_ids`` fields. ``chooser_for`` lets a test make it dishonest.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.cli.serve import bind_socket
from airlock.domain.principals import Role
from airlock.outputs.reference import argmax_chooser, generate, model_digest, tiny_model
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, Gateway, start_gateway
from tests.support.legs import OUTPUTS, skip_leg
from tests.support.waiting import wait_until

Chooser = Callable[[Any, int], int]


def need_torch() -> None:
    """Skip (in CI: fail) unless the outputs extra is installed."""
    try:
        import torch  # noqa: F401, PLC0415 -- optional extra
        import transformers  # noqa: F401, PLC0415
    except ImportError:
        skip_leg(OUTPUTS, "torch and transformers are not installed")


def encode(text: str) -> list[int]:
    return list(text.encode("utf-8"))


def chat_prompt(messages: list[dict[str, str]]) -> list[int]:
    return encode("".join(f"<{m['role']}>{m['content']}\n" for m in messages) + "<assistant>")


def token_text(token: int) -> str:
    return bytes([token]).decode("latin-1")


@dataclass
class Upstream:
    url: str
    requests: int = 0


def build_upstream(model: Any, chooser_for: Callable[[], Chooser] | None = None) -> FastAPI:
    app = FastAPI()
    lock = threading.Lock()  # one generation at a time on the shared model

    def run(body: dict[str, Any], prompt: list[int]) -> list[int]:
        chooser = chooser_for() if chooser_for else argmax_chooser
        with lock:
            return generate(
                model,
                prompt,
                int(body["max_tokens"]),
                temperature=float(body["temperature"]),
                seed=int(body["seed"]),
                chooser=chooser,
            )

    def serve(body: dict[str, Any], chat: bool) -> Response:
        for forced in ("seed", "temperature", "max_tokens"):
            if forced not in body:
                return JSONResponse({"error": f"{forced} missing"}, status_code=400)
        if chat:
            prompt = chat_prompt(body["messages"])
        elif isinstance(body["prompt"], list):
            prompt = list(body["prompt"])
        else:
            prompt = encode(body["prompt"])
        tokens = run(body, prompt)
        rid = str(uuid.uuid4())
        if not body.get("stream"):
            text = "".join(token_text(t) for t in tokens)
            choice: dict[str, Any] = {
                "index": 0,
                "finish_reason": "length",
                "token_ids": tokens,
                "prompt_token_ids": prompt,
            }
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            return JSONResponse(
                {
                    "id": rid,
                    "object": "chat.completion" if chat else "text_completion",
                    "model": body["model"],
                    "choices": [choice],
                    "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(tokens)},
                }
            )

        def events() -> Iterator[bytes]:
            for i, t in enumerate(tokens):
                piece: dict[str, Any] = {"index": 0, "token_ids": [t]}
                if i == 0:
                    piece["prompt_token_ids"] = prompt
                if chat:
                    piece["delta"] = {"content": token_text(t)}
                else:
                    piece["text"] = token_text(t)
                yield b"data: " + json.dumps({"id": rid, "choices": [piece]}).encode() + b"\n\n"
            usage = {"prompt_tokens": len(prompt), "completion_tokens": len(tokens)}
            yield b"data: " + json.dumps({"id": rid, "choices": [], "usage": usage}).encode()
            yield b"\n\ndata: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        return serve(json.loads(await request.body()), chat=False)

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        return serve(json.loads(await request.body()), chat=True)

    return app


def start_upstream(app: FastAPI) -> Iterator[str]:
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: bool(server.started), "the in-test inference upstream", interval=0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def outputs_airlock(
    cli: CliRunner, folder: Path, url: str, outputs: str = "flush_window_ms = 10\n"
) -> Airlock:
    """The airlock of ``cli``'s home with /v1 in front of the upstream at ``url``: a
    stand-in model folder under ``folder`` (its digest configured), the ``[outputs]`` keys
    in ``outputs`` besides, and enclave output budgets set."""
    (folder / "m").mkdir(exist_ok=True)
    (folder / "m" / "w.bin").write_bytes(b"w")
    config = cli.home / "config.toml"
    config.write_text(
        config.read_text()
        + f'\n[outputs]\nupstream_url = "{url}"\nmodel = "m"\n'
        + f'model_digest = "{model_digest(folder / "m")}"\n{outputs}'
    )
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    admin = Actor.local_operator()
    for scope in (BudgetScope.TOKENS_ENCLAVE, BudgetScope.OUTPUT_ENCLAVE):
        airlock.set_budget(admin, Budget(scope, ENCLAVE_SUBJECT, 10**6, timedelta(days=1)))
    return airlock


def serve_outputs(
    cli: CliRunner, folder: Path, url: str, roles: tuple[Role, ...] = (Role.RESEARCHER,)
) -> Iterator[tuple[Gateway, dict[Role, str]]]:
    """A gateway on :func:`outputs_airlock` (``flush_window_ms = 10``), with a principal
    ``the-<role>`` per role (their tokens by role)."""
    airlock = outputs_airlock(cli, folder, url)
    admin = Actor.local_operator()
    tokens = {role: airlock.add_principal(admin, f"the-{role.value}", role).token for role in roles}
    try:
        for gateway in start_gateway(airlock):
            yield gateway, tokens
    finally:
        airlock.close()


def save_tiny_model(directory: Path, seed: int = 0) -> Any:
    """Build the tiny model (fixed random weights), save it for the verifier; return it."""
    import torch  # noqa: PLC0415 -- optional extra

    torch.set_num_threads(1)
    model = tiny_model(vocab=256, seed=seed)
    model.save_pretrained(directory)
    return model


@pytest.fixture
def tiny_model_dir(tmp_path: Path) -> tuple[Path, Any]:
    need_torch()
    directory = tmp_path / "tiny-model"
    return directory, save_tiny_model(directory)
