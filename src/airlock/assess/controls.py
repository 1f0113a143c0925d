"""The SL1-SL5 measures airlock assesses, as data.

The wording is ours. Each measure names the NIST SP 800-53 r5 controls of the SL5 Task
Force's overlay it answers to and the threat it answers in RAND's *Securing AI Model Weights*
(2024), described in words rather than by number. A measure applies from ``level`` upward:
SL3 requires every measure of levels 1-3. Evidence is ``automated`` (airlock checks its own
state) or ``attested`` (a named person answers the questionnaire; unanswered is unsatisfied).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from airlock.errors import InvalidInput

LEVELS = (1, 2, 3, 4, 5)


class EvidenceKind(StrEnum):
    AUTOMATED = "automated"
    ATTESTED = "attested"


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    title: str


FAMILIES = (
    Family("ac", "Access and approval"),
    Family("au", "Audit and non-repudiation"),
    Family("cm", "Inventory and software"),
    Family("pe", "Physical and personnel"),
    Family("sc", "Egress and isolation"),
    Family("si", "Monitoring and integrity"),
    Family("sr", "Supply chain and data"),
)
FAMILY_IDS = frozenset(f.id for f in FAMILIES)


@dataclass(frozen=True, slots=True)
class Control:
    """One measure: what it asks, from which level, and how it is evidenced."""

    id: str
    family: str
    title: str
    statement: str
    level: int
    nist: tuple[str, ...]
    rand: str
    evidence: EvidenceKind
    implemented_by: str  # the airlock feature (automated) or who answers (attested)

    def __post_init__(self) -> None:
        if self.family not in FAMILY_IDS:
            raise InvalidInput(f"control {self.id}: unknown family {self.family!r}")
        if self.level not in LEVELS:
            raise InvalidInput(f"control {self.id}: level must be 1-5, not {self.level}")
        if not self.id.startswith(f"{self.family}-"):
            raise InvalidInput(f"control {self.id}: id must start with its family")

    def applies_to(self, level: int) -> bool:
        return self.level <= level


# Days a protected model must take to leave at the attacker's best compression, per level.
EXFILTRATION_FLOOR_DAYS = {3: 30, 4: 180, 5: 365}

_A, _T = EvidenceKind.AUTOMATED, EvidenceKind.ATTESTED

CONTROLS: tuple[Control, ...] = (
    Control(
        "cm-inventory", "cm", "Protected weights are inventoried",
        "Every model whose weights the enclave protects is registered, so that exports can be "
        "matched against it and the time to steal it can be computed.",
        1, ("CM-8",), "theft of weights nobody knew were there", _A, "airlock weights register",
    ),
    Control(
        "au-ledger", "au", "Every decision is in a verified ledger",
        "Every boundary decision is appended to a Merkle ledger with signed checkpoints, and the "
        "whole ledger replays without a fault.",
        1, ("AU-9", "AU-10"), "insiders covering their tracks", _A, "airlock ledger verify",
    ),
    Control(
        "sc-budget", "sc", "An enclave-wide egress budget is set",
        "Outbound bytes from the weight enclave are capped per time window for the enclave as "
        "a whole, so no combination of people can move more.",
        2, ("SC-7(10)", "AC-4"), "bulk exfiltration over the network", _A, "airlock budget set",
    ),
    Control(
        "sc-inspect", "sc", "Every export is inspected",
        "Every file leaving the enclave is inspected for weight and tensor content and decided "
        "by policy before any byte is released.",
        2, ("AC-4", "SI-3"), "weights disguised as research output", _A, "airlock export",
    ),
    Control(
        "ac-dual-policy", "ac", "Policy requires two approvers for held exports",
        "A held export can be released only when two people other than the requester approve.",
        2, ("AC-3(2)",), "a single compromised insider", _A, "Cedar boundary policy",
    ),
    Control(
        "si-locks", "si", "Anomaly locks are enabled",
        "Bursts of held or denied exports and near-exhausted personal budgets lock the person "
        "at once, pending review.",
        2, ("SI-4", "AC-2(12)"), "an insider probing the boundary", _A, "anomaly rules (egress)",
    ),
    Control(
        "sc-exfil-sl3", "sc", f"Weights take {EXFILTRATION_FLOOR_DAYS[3]}+ days to leave",
        f"Under the enclave budget, every protected model needs at least "
        f"{EXFILTRATION_FLOOR_DAYS[3]} days to leave even at 100x compression.",
        3, ("SC-7(10)",), "bulk exfiltration over the network", _A, "budgets/exfiltration",
    ),
    Control(
        "au-witness", "au", "The ledger is cosigned by a witness",
        "An independent witness cosigned a checkpoint within one checkpoint interval of the "
        "latest, so the ledger cannot be forked or rewritten unseen.",
        3, ("AU-9(3)", "AU-10"), "rewriting the audit trail", _A, "airlock witness",
    ),
    Control(
        "ac-dual-used", "ac", "Dual approval is exercised, never self-approval",
        "Held requests were released by two distinct approvers and no vote in the ledger is the "
        "requester approving their own request.",
        3, ("AC-3(2)", "AC-5"), "a single compromised insider", _A, "airlock approve",
    ),
    Control(
        "cm-allowlist", "cm", "Only vetted software runs in the enclave",
        "Every package installed in the enclave environment was vetted and admitted to the "
        "internal index.",
        3, ("CM-7(5)", "SR-4"), "supply-chain compromise of software", _A, "airlock package admit",
    ),
    Control(
        "sr-data", "sr", "Datasets are scanned before training, with lineage",
        "Every dataset released to training passed the poisoning scan or was approved by two "
        "people, and names its source.",
        3, ("SR-3", "SR-11", "SI-7"), "poisoned training data", _A, "airlock data import",
    ),
    Control(
        "sc-isolation", "sc", "The weight enclave is network-isolated",
        "The enclave has no network path out except through airlock.",
        3, ("SC-7(21)",), "exfiltration around the gateway", _T, "network owner",
    ),
    Control(
        "pe-physical", "pe", "Physical access to weight hardware is controlled",
        "Rooms holding weight hardware admit only listed people, and entries are logged.",
        3, ("PE-3", "PE-6"), "physical theft of hardware", _T, "facilities owner",
    ),
    Control(
        "sc-exfil-sl4", "sc", f"Weights take {EXFILTRATION_FLOOR_DAYS[4]}+ days to leave",
        f"Under the enclave budget, every protected model needs at least "
        f"{EXFILTRATION_FLOOR_DAYS[4]} days to leave even at 100x compression.",
        4, ("SC-7(10)",), "bulk exfiltration over the network", _A, "budgets/exfiltration",
    ),
    Control(
        "ac-identity", "ac", "Approvers are named people with their own credentials",
        "Every approval vote was cast by a named person principal with approver or admin role, "
        "not by the shared local operator or a service.",
        4, ("IA-2", "IA-5"), "impersonation of approvers", _A, "principals and tokens",
    ),
    Control(
        "pe-personnel", "pe", "People with weight access are vetted",
        "Everyone able to approve exports or reach weight hardware passed background vetting.",
        4, ("PS-3", "PS-6"), "a recruited insider", _T, "security officer",
    ),
    Control(
        "sc-hsm", "sc", "Ledger and weight keys live in HSMs",
        "The ledger signing key and weight encryption keys are held in hardware security "
        "modules and never exported.",
        4, ("SC-12", "SC-28(1)"), "key theft", _T, "security officer",
    ),
    Control(
        "sc-exfil-sl5", "sc", f"Weights take {EXFILTRATION_FLOOR_DAYS[5]}+ days to leave",
        f"Under the enclave budget, every protected model needs at least "
        f"{EXFILTRATION_FLOOR_DAYS[5]} days to leave even at 100x compression.",
        5, ("SC-7(10)",), "bulk exfiltration by a state actor", _A, "budgets/exfiltration",
    ),
    Control(
        "sc-hw-ratelimit", "sc", "Outbound rate limits are enforced in hardware",
        "The enclave's outbound link is rate-limited by hardware that software inside the "
        "enclave cannot reconfigure.",
        5, ("SC-7(10)",), "a compromised gateway", _T, "network owner",
    ),
    Control(
        "sc-confidential", "sc", "Weights are used only in confidential computing",
        "Weights are decrypted only inside attested hardware enclaves (confidential computing).",
        5, ("SC-39", "SC-28"), "a compromised host operating system", _T, "security officer",
    ),
)  # fmt: skip


def control(control_id: str) -> Control:
    """Raises: InvalidInput for an id that is not one of :data:`CONTROLS`."""
    for c in CONTROLS:
        if c.id == control_id:
            return c
    raise InvalidInput(f"{control_id!r} is not an airlock assessment control")


def parse_level(text: str) -> int:
    """``SL3`` / ``3`` -> 3. Raises: InvalidInput."""
    value = text.strip().upper().removeprefix("SL")
    if value not in {str(n) for n in LEVELS}:
        raise InvalidInput(f"{text!r} is not a security level: use SL1 to SL5")
    return int(value)
