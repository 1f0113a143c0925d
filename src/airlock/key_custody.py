"""Where the ledger signing key lives (issue 14): a file in the home, or a PKCS#11 token.

With ``[ledger] signing_key = "pkcs11:token=...;object=...?module-path=...&pin-source=..."``
(RFC 7512) the Ed25519 private key never leaves the token: airlock asks it to sign
(CKM_EDDSA) and reads only the public key. Whoever can read the home can no longer copy the
key and forge checkpoints; they can only use the token while they can reach it and its PIN.

The per-entry seal key (:func:`airlock.audit.seal_key`) of a token key is derived from the
token's Ed25519 signature over a fixed context: Ed25519 signatures are deterministic
(RFC 8032 section 5.1.6), so the token gives the same seal key every time, and only a
holder of the token can compute it.

This module imports python-pkcs11 (``airlock[hsm]``) only when a token key is opened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from airlock.errors import ConfigError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PKCS11_SCHEME = "pkcs11:"
MAX_PIN_FILE_BYTES = 256
_ED25519_OID = "1.3.101.112"
_RAW_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class Pkcs11Ref:
    """A parsed ``pkcs11:`` URI: which module, token and key, and where the PIN comes from."""

    module_path: str
    token_label: str
    object_label: str
    pin_source: str = ""  # a file path ("file:" prefix optional)
    pin_value: str = ""

    def __post_init__(self) -> None:
        if not self.module_path or not self.token_label or not self.object_label:
            raise ConfigError(
                "a pkcs11: signing key needs token=, object= and ?module-path= (RFC 7512)"
            )
        if not self.pin_source and not self.pin_value:
            raise ConfigError("a pkcs11: signing key needs ?pin-source=FILE (or pin-value=)")

    def redacted(self) -> str:
        """The URI without its PIN, for messages and `airlock doctor`."""
        return f"pkcs11:token={self.token_label};object={self.object_label}"


def is_pkcs11(spec: str) -> bool:
    return spec.startswith(PKCS11_SCHEME)


def parse_pkcs11_uri(uri: str) -> Pkcs11Ref:
    """Raises: ConfigError for a URI that is not ``pkcs11:`` or lacks a needed attribute."""
    if not is_pkcs11(uri):
        raise ConfigError(f"{uri[:40]!r} is not a pkcs11: URI")
    path, _, query = uri[len(PKCS11_SCHEME) :].partition("?")
    attributes: dict[str, str] = {}
    for part in [p for p in path.split(";") if p] + [q for q in query.split("&") if q]:
        name, sep, value = part.partition("=")
        if not sep:
            raise ConfigError(f"pkcs11: URI attribute {name!r} has no value")
        attributes[name.strip()] = unquote(value)
    known = {"token", "object", "module-path", "pin-source", "pin-value", "type"}
    if unknown := sorted(set(attributes) - known):
        raise ConfigError(f"pkcs11: URI has unsupported attributes {unknown}")
    if attributes.get("type", "private") != "private":
        raise ConfigError("the pkcs11: signing key URI must name the private key (type=private)")
    return Pkcs11Ref(
        module_path=attributes.get("module-path", ""),
        token_label=attributes.get("token", ""),
        object_label=attributes.get("object", ""),
        pin_source=attributes.get("pin-source", ""),
        pin_value=attributes.get("pin-value", ""),
    )


def read_pin(ref: Pkcs11Ref) -> str:
    """The user PIN, from the URI or a file that only its owner can read.

    Raises: ConfigError when the PIN file is unreadable or open to others.
    """
    if ref.pin_value:
        return ref.pin_value
    path = Path(ref.pin_source.removeprefix("file:"))
    try:
        mode = path.stat().st_mode & 0o777
        data = path.read_bytes()[: MAX_PIN_FILE_BYTES + 1]
    except OSError as e:
        raise ConfigError(f"cannot read the PKCS#11 PIN file {path}: {e.strerror}") from e
    if mode & 0o077:
        raise ConfigError(f"the PKCS#11 PIN file {path} is open to others: chmod 600 it")
    pin = data.decode("utf-8", "replace").strip()
    if not pin or len(data) > MAX_PIN_FILE_BYTES:
        raise ConfigError(f"the PKCS#11 PIN file {path} must hold one PIN")
    return pin


class Pkcs11Ed25519Key:
    """An Ed25519 key held in a PKCS#11 token: signs there, never leaves it.

    Offers what the ledger uses of a key (:class:`airlock.ledger.signed_note.LedgerKey`):
    ``sign`` and ``public_key``. One session serves every signature, one at a time.
    """

    def __init__(self, ref: Pkcs11Ref) -> None:
        try:
            import pkcs11
            from pkcs11 import Attribute, KeyType, ObjectClass
        except ImportError as e:
            raise ConfigError(
                "a pkcs11: signing key needs python-pkcs11: pip install 'airlock[hsm]'"
            ) from e
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        self.ref = ref
        self._lock = threading.Lock()
        try:
            token = pkcs11.lib(ref.module_path).get_token(token_label=ref.token_label)
            pin = read_pin(ref)
            try:
                self._session: Any = token.open(user_pin=pin)
            except pkcs11.exceptions.UserAlreadyLoggedIn:
                # The login belongs to the process (PKCS#11 section 5.6): a second key
                # object in this process shares it.
                self._session = token.open()
            self._private: Any = self._session.get_key(
                ObjectClass.PRIVATE_KEY, KeyType.EC_EDWARDS, label=ref.object_label
            )
            public = self._session.get_key(
                ObjectClass.PUBLIC_KEY, KeyType.EC_EDWARDS, label=ref.object_label
            )
            point = bytes(public[Attribute.EC_POINT])
        except ConfigError:
            raise
        except Exception as e:  # python-pkcs11 raises its own tree, and OSError for the module
            raise ConfigError(
                f"cannot open the ledger key {ref.redacted()} in {ref.module_path}: "
                f"{type(e).__name__} {e}; check the token, the key label and the PIN"
            ) from e
        # CKA_EC_POINT is the raw 32 bytes, or (as SoftHSM2 gives it) a DER OCTET STRING.
        raw = point[2:] if len(point) == _RAW_KEY_BYTES + 2 and point[0] == 0x04 else point
        if len(raw) != _RAW_KEY_BYTES:
            raise ConfigError(f"{ref.redacted()} is not an Ed25519 key")
        self._public = Ed25519PublicKey.from_public_bytes(raw)

    def sign(self, data: bytes) -> bytes:
        """Raises: ConfigError when the token refuses or is gone."""
        from pkcs11 import Mechanism

        try:
            with self._lock:
                return bytes(self._private.sign(data, mechanism=Mechanism.EDDSA))
        except Exception as e:
            raise ConfigError(f"the PKCS#11 token refused to sign: {type(e).__name__} {e}") from e

    def public_key(self) -> Ed25519PublicKey:
        return self._public

    def close(self) -> None:
        with self._lock:
            self._session.close()


def open_pkcs11_key(uri: str) -> Pkcs11Ed25519Key:
    """Raises: ConfigError (bad URI, missing module or token, wrong PIN, not Ed25519)."""
    return Pkcs11Ed25519Key(parse_pkcs11_uri(uri))


def generate_pkcs11_key(uri: str) -> None:
    """Create an Ed25519 key pair in the token under the URI's object label (for setup and
    tests; an operator may as well use `pkcs11-tool --keypairgen --key-type EC:edwards25519`).

    Raises: ConfigError when the token refuses.
    """
    ref = parse_pkcs11_uri(uri)
    import pkcs11
    from pkcs11 import Attribute, KeyType, Mechanism
    from pkcs11.util.ec import encode_named_curve_parameters

    try:
        token = pkcs11.lib(ref.module_path).get_token(token_label=ref.token_label)
        try:
            session = token.open(rw=True, user_pin=read_pin(ref))
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            session = token.open(rw=True)  # this process has logged in already
        with session:
            parameters = session.create_domain_parameters(
                KeyType.EC_EDWARDS,
                {Attribute.EC_PARAMS: encode_named_curve_parameters(_ED25519_OID)},
                local=True,
            )
            parameters.generate_keypair(
                store=True,
                label=ref.object_label,
                mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                private_template={Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True},
            )
    except Exception as e:
        raise ConfigError(f"cannot create {ref.redacted()}: {type(e).__name__} {e}") from e
