"""Every CLI command has an HTTP route that does the same, or a stated reason why it must
stay on the machine that holds the home (issue 18: "HTTP API for everything the CLI does").

The commands come from walking the click tree of `airlock` (so a new command fails here until
it gets a route or a reason), the routes from the app itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from airlock.api.route_permissions import ROUTES
from airlock.cli.main import cli as root

# command -> (METHOD, route template) that does the same over HTTP
ROUTE_FOR: dict[str, tuple[str, str]] = {
    "approve": ("POST", "/requests/{request_id}/votes"),
    "reject": ("POST", "/requests/{request_id}/votes"),
    "export": ("POST", "/exports"),
    "fetch-release": ("GET", "/releases/{request_id}"),
    "scan": ("POST", "/scans"),
    "status": ("GET", "/status"),
    "metrics": ("GET", "/metrics/friction"),
    "budget list": ("GET", "/budgets"),
    "budget set": ("POST", "/budgets"),
    "data import": ("POST", "/datasets"),
    "data list": ("GET", "/datasets"),
    "data show": ("GET", "/datasets/{dataset_id}"),
    "data scan": ("POST", "/datasets/{dataset_id}/scan"),
    "data release": ("POST", "/datasets/{dataset_id}/release"),
    "lineage add": ("POST", "/lineage"),
    "lineage taint": ("POST", "/lineage/blast-radius"),
    "lock add": ("POST", "/locks"),
    "lock lift": ("POST", "/locks/lift"),
    "lock list": ("GET", "/locks"),
    "weights list": ("GET", "/protected-models"),
    "weights register": ("POST", "/protected-models"),
    "package admit": ("POST", "/packages"),
    "package feed status": ("GET", "/package-feed"),
    "package publisher pin": ("PUT", "/package-publishers/{project}"),
    "package publisher unpin": ("DELETE", "/package-publishers/{project}"),
    "package publisher list": ("GET", "/package-publishers"),
    "principal add": ("POST", "/principals"),
    "principal list": ("GET", "/principals"),
    "principal token issue": ("POST", "/principals/{name}/tokens"),
    "principal token list": ("GET", "/principals/{name}/tokens"),
    "principal token revoke": ("DELETE", "/principals/{name}/tokens"),
    "project add": ("POST", "/projects"),
    "project list": ("GET", "/projects"),
    "project member add": ("POST", "/projects/{project}/members"),
    "project member list": ("GET", "/projects/{project}/members"),
    "request list": ("GET", "/requests"),
    "request show": ("GET", "/requests/{request_id}"),
    "ledger checkpoint": ("POST", "/ledger/checkpoint"),
    "ledger show": ("GET", "/ledger/entries/{index}"),
    "ledger receipt": ("GET", "/ledger/receipts/{index}"),
    "ledger prove": ("GET", "/ledger/proofs/inclusion"),
    "witness cosign": ("POST", "/ledger/cosignatures"),
}

# command -> why it has no route: it acts on the machine itself, or must not trust the gateway
LOCAL_ONLY: dict[str, str] = {
    "init": "creates the home, keys and database the gateway would run on",
    "serve": "starts the gateway itself",
    "doctor": "checks file permissions, keys and the database from the machine's side",
    "backup": "copies the home's files and database; a gateway must not serve its own keys",
    "restore": "replaces the home a running gateway uses",
    "break-glass confirm": "recovery without a working credential path, at the console",
    "scrape-token": "issues the /metrics scrape token, written into the home's config",
    "policy check": "validates the policy file in the home before a gateway loads it",
    "data diff": "compares two dataset files on this machine without the store, before an "
    "import; the gateway's scan of an import is POST /datasets",
    "package feed import": "loads a copy of a malicious-packages feed from this machine (folders "
    "of thousands of OSV files, or a zip); what it holds is GET /package-feed",
    "package typosquat refresh": "reads offline popularity lists from this machine (files of "
    "thousands of names) beside the index's own projects; admission applies what it stored",
    "sbom": "inventories a local Python environment (a path on this machine)",
    "package vet": "static vetting of files on the submitter's machine before they are sent "
    "(pip download runs outside the enclave); the gateway's vetting is POST /packages",
    "ledger verify": "replays the whole database and every seal: needs the database itself, "
    "and a gateway that verified itself would prove nothing",
    "ledger verify-receipt": "offline by design: only the public key, no gateway to trust",
    "ledger key": "prints the verifier key from the home; a key fetched from the gateway it "
    "is meant to check would prove nothing",
    "ledger export": "writes the ledger to a local file for a SIEM or an archive",
    "ledger seal-state": "a one-off migration step on a trusted database, at the console",
    "witness init": "the witness's own key, kept outside the gateway",
    "witness key": "prints the witness's key from its own folder",
    "assess attest": "writes the signed assessment package to local files (the page is /ui/assess)",
    "assess questionnaire": "prints the questionnaire template for an auditor to fill locally",
    "outputs commit": "forces the batch commit that a running gateway does every few seconds",
    "outputs digest": "hashes a model directory on this machine for the config file",
    "outputs prove": "writes an offline proof file of a logged response, for a third party",
    "outputs verify": "replays logged responses on the reference model in a local directory "
    "(GPU or CPU time on the machine that holds the weights)",
    "outputs verify-proof": "offline by design: checks a proof with the public key only",
    "weights mark": "reads the model and writes the marked copy on the machine that holds the "
    "weights (gigabytes that must not cross the gateway); the mark is in the ledger",
    "weights trace": "reads a leaked file where it was found, on the investigator's machine; "
    "sending a leak into the enclave's gateway would be an export of its own",
}


def leaf_commands() -> Iterator[str]:
    ctx = click.Context(root)

    def walk(group: click.Group, prefix: tuple[str, ...]) -> Iterator[str]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            if isinstance(command, click.Group):
                yield from walk(command, (*prefix, name))
            else:
                yield " ".join((*prefix, name))

    yield from walk(root, ())


COMMANDS = sorted(leaf_commands())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_route_or_a_reason(command: str) -> None:
    assert (command in ROUTE_FOR) != (command in LOCAL_ONLY), (
        f"`airlock {command}`: give it an HTTP route (and list it in ROUTE_FOR) or say in "
        "LOCAL_ONLY why it must stay on the machine"
    )
    if command in ROUTE_FOR:
        assert ROUTE_FOR[command] in ROUTES, f"{ROUTE_FOR[command]} is not a route of the app"
    else:
        assert len(LOCAL_ONLY[command]) > 20, "a reason, not a placeholder"


def test_the_tables_name_no_command_that_is_gone() -> None:
    assert set(ROUTE_FOR) | set(LOCAL_ONLY) <= set(COMMANDS)
