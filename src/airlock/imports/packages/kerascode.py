"""Python code kept in a Keras model's Lambda layers (ADR 0120, issue 16).

Pure. A Keras ``Lambda`` layer is saved as the function's marshalled bytecode, base64'd in
the model's configuration under ``"class_name": "__lambda__"``: in ``config.json`` of a
``.keras`` zip (Keras 3), or in the ``model_config`` attribute of an ``.h5`` file. Loading
the model with ``safe_mode=False``, or with Keras before 2.13 (CVE-2024-3660) or from
``.h5`` at all, unmarshals and runs it (JFrog's model-threat research, 2024). A package
shipping such a model ships code that no source pass reads.

It holds (high) for a person: research models do use Lambda layers, and whether the
package's own loader passes ``safe_mode=False`` is not followed. What it does not do:
decompile the bytecode, read a Lambda that names a registered function rather than
marshalled code, or other model formats' custom operators.
"""

from __future__ import annotations

from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.rules import PackageFinding, Severity

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
MARSHALLED = b"__lambda__"
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def lambda_layer_findings(members: list[Member]) -> list[PackageFinding]:
    """A finding for each shipped Keras model whose configuration holds marshalled code."""
    found: list[PackageFinding] = []
    for member in members:
        data = member.data
        if data is None or not member.name.lower().endswith(KERAS_SUFFIXES):
            continue
        if data.startswith(ZIP_MAGIC) and _config_marshals(data):
            found.append(_finding(member.name, "config.json"))
        elif data.startswith(HDF5_MAGIC) and MARSHALLED in data:
            found.append(_finding(member.name, "model_config"))
    return found


def _config_marshals(data: bytes) -> bool:
    try:
        return any(
            m.name.rsplit("/", 1)[-1] == "config.json" and MARSHALLED in (m.data or b"")
            for m in read_members(data)
        )
    except InvalidInput:
        return False  # a zip that does not read is :mod:`nested`'s finding


def _finding(path: str, where: str) -> PackageFinding:
    return PackageFinding(
        "model-code",
        path,
        0,
        Severity.HIGH,
        f"a Keras Lambda layer keeps marshalled Python in its {where}: loading the model "
        "without safe mode (or from .h5) runs it",
    )
