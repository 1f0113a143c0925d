"""Commands no install or import runs: publishing packages, and AI agents with their
safeguards off (issue 16; ADR 0153).

Two shapes of 2025's supply-chain worms, each a command a package starts:

* **Publishing.** Shai-Hulud (npm, September 2025) took the token of whoever installed it
  and published infected versions of that person's packages; the Python form runs
  ``twine upload`` (or ``uv publish``, ``poetry publish``, ``npm publish``) with the token
  ``~/.pypirc`` or the CI environment holds. A release tool runs these when called; an
  install or an import never does.
* **An AI agent started with its safeguards off.** The Nx compromise (s1ngularity, August
  2025) ran the AI command-line agents it found (``claude --dangerously-skip-permissions``,
  ``gemini --yolo``, ``q chat --trust-all-tools``) with a prompt to inventory the
  machine's wallets and keys: the agent does the reading, so no file read is in the
  package's code.

:func:`publishes` and :func:`unleashes_agent` read a command's text (as folded by the flow
pass). The scorer denies either on install or import, and twine's upload called as a
function or a repository pushed there (:func:`sinks.publishes`, ADR 0090); when called they
are judged as any command. What this does not do: read a publish through an HTTP client
(``requests.post('https://upload.pypi.org/legacy/')``, held as any request on import), or
an agent started with its safeguards on (a prompt alone is no permission).
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

# The publishing commands of Python's and other ecosystems' tools, as a command's words.
PUBLISH = LazyPattern(
    r"(?:^|[\s/\\'\"])(?:twine(?:\.exe)?\s+upload|-m\s+twine\s+upload|"
    r"(?:uv|poetry|flit|hatch|pdm|maturin|npm|yarn|pnpm|bun|cargo)(?:\.exe|\.cmd)?\s+publish|"
    r"gem\s+push)\b",
    re.IGNORECASE,
)
# AI agents' command-line flags that let the agent act without asking (Claude Code, Gemini
# CLI, Amazon Q, OpenAI Codex, Cursor's agent, Aider).
SAFEGUARDS_OFF = LazyPattern(
    r"--dangerously-skip-permissions|--permission-mode[ =]bypasspermissions|--yolo\b|"
    r"--trust-all-tools|--dangerously-bypass-approvals-and-sandbox|--full-auto\b|"
    r"--approval-mode[ =]yolo|--yes-always\b",
    re.IGNORECASE,
)


def publishes(command: str) -> bool:
    """Whether ``command`` publishes a package to an index (``twine upload dist/*``)."""
    return PUBLISH.search(command) is not None


def unleashes_agent(command: str) -> bool:
    """Whether ``command`` starts an AI agent told to act without asking."""
    return SAFEGUARDS_OFF.search(command) is not None
