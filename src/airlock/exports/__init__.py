"""Egress: inspection of what tries to leave the enclave (pure).

Public API: :func:`inspect_stream`, :func:`overall_verdict`, :func:`report_to_json`,
:func:`fingerprint_model`, and the values they take and return.
"""

from airlock.exports.api import Verdict, inspect_stream, overall_verdict
from airlock.exports.chunking import ModelFingerprint
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport, Finding, FindingKind, report_to_json
from airlock.exports.fingerprint import TensorInfo, fingerprint_model
from airlock.exports.limits import InspectionLimits

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
