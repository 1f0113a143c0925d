"""Egress: inspection of what tries to leave the enclave (pure).

Public API: :func:`inspect_stream`, :func:`overall_verdict`, :func:`report_to_json`,
:func:`fingerprint_model`, and the values they take and return.

The names are imported on first use (PEP 562): importing a submodule such as
:mod:`airlock.exports.model_fingerprint` runs this file, and must not import numpy and the
whole engine with it (issue 13).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.exports.api import Verdict, inspect_stream, overall_verdict
    from airlock.exports.engine import Inspector
    from airlock.exports.findings import FileReport, Finding, FindingKind, report_to_json
    from airlock.exports.fingerprint import TensorInfo, fingerprint_model
    from airlock.exports.limits import InspectionLimits
    from airlock.exports.model_fingerprint import ModelFingerprint

_HOMES = {
    "FileReport": "findings",
    "Finding": "findings",
    "FindingKind": "findings",
    "InspectionLimits": "limits",
    "Inspector": "engine",
    "ModelFingerprint": "model_fingerprint",
    "TensorInfo": "fingerprint",
    "Verdict": "api",
    "fingerprint_model": "fingerprint",
    "inspect_stream": "api",
    "overall_verdict": "api",
    "report_to_json": "findings",
}

__all__ = [
    "FileReport",
    "Finding",
    "FindingKind",
    "InspectionLimits",
    "Inspector",
    "ModelFingerprint",
    "TensorInfo",
    "Verdict",
    "fingerprint_model",
    "inspect_stream",
    "overall_verdict",
    "report_to_json",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
