"""A project whose own organisation holds the repository its metadata names ships that
repository's package (PyWavelets from ``github.com/PyWavelets/pywt``); another owner's
repository shipped under another name is still the impostor trick (ADR 0144)."""

from __future__ import annotations

from airlock.imports.packages.imposture import impostor_of

PYWT = frozenset({"pywt"})


def test_the_projects_own_organisation_holds_the_repository() -> None:
    meta = "Project-URL: source, https://github.com/PyWavelets/pywt\n"
    assert impostor_of("PyWavelets", meta, PYWT) is None
    home = "Home-page: https://gitlab.com/py-wavelets/pywt.git\n"
    assert impostor_of("PyWavelets", home, PYWT) is None


def test_another_owners_repository_is_still_an_impostor() -> None:
    # celium-collateral-upgrade (a real malicious upload) named Datura-ai's repository.
    meta = "Project-URL: Homepage, https://github.com/Datura-ai/celium-collateral-contracts\n"
    package = frozenset({"celium_collateral_contracts"})
    got = impostor_of("celium-collateral-upgrade", meta, package)
    assert got == "celium-collateral-contracts"
    # An owner that only looks like the project's name, or holds it among other words.
    for owner in ("PyWavelet", "PyWavelets-org", "the-PyWavelets", "Py-Wavelets-dev"):
        meta = f"Project-URL: source, https://github.com/{owner}/pywt\n"
        assert impostor_of("PyWavelets", meta, PYWT) == "pywt", owner
    # One URL of the project's own organisation does not excuse another owner's.
    both = (
        "Project-URL: docs, https://github.com/pywavelets/docs\n"
        "Project-URL: source, https://github.com/someone/pywt\n"
    )
    assert impostor_of("PyWavelets", both, PYWT) == "pywt"
