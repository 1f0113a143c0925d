"""A throwaway SoftHSM2 token (Debian's softhsm2) holding an Ed25519 ledger key (issue 14)."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from airlock.key_custody import generate_pkcs11_key
from tests.support.legs import HSM, skip_leg

MODULE_CANDIDATES = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
)
TOKEN_LABEL = "airlock-test"
OBJECT_LABEL = "ledger"
USER_PIN = "314159"


@dataclass(frozen=True)
class SoftHsm:
    module: Path
    pin_file: Path
    label: str = OBJECT_LABEL

    def uri(self, label: str | None = None) -> str:
        return (
            f"pkcs11:token={TOKEN_LABEL};object={label or self.label}"
            f"?module-path={self.module}&pin-source=file:{self.pin_file}"
        )


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """One initialised token for the session: SoftHSM2 reads SOFTHSM2_CONF once per process
    (at C_Initialize), so every test uses this token, each with a key of its own."""
    module = next((m for m in MODULE_CANDIDATES if m.exists()), None)
    util = shutil.which("softhsm2-util")
    if module is None or util is None:
        skip_leg(HSM, "SoftHSM2 (libsofthsm2.so, softhsm2-util) is not installed")
    if importlib.util.find_spec("pkcs11") is None:
        skip_leg(HSM, "python-pkcs11 is not installed")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [util, "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", USER_PIN,
         "--so-pin", "27182818"],
        check=True, capture_output=True, env={**os.environ, "SOFTHSM2_CONF": str(conf)},
    )  # fmt: skip
    pin_file = folder / "pin"
    pin_file.write_text(USER_PIN + "\n")
    pin_file.chmod(0o600)
    yield SoftHsm(module, pin_file)
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


@pytest.fixture
def softhsm(softhsm_token: SoftHsm) -> SoftHsm:
    """The session's token with a fresh Ed25519 key pair for this test."""
    hsm = SoftHsm(softhsm_token.module, softhsm_token.pin_file, f"ledger-{secrets.token_hex(4)}")
    generate_pkcs11_key(hsm.uri())
    return hsm
