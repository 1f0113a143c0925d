"""README's tour, run as it stands: a newcomer can follow it top to bottom (issue 13).

The block between ``<!-- tour:start -->`` and ``<!-- tour:end -->`` is extracted from README.md
and run by bash with ``set -euo pipefail`` from the repository root, with this interpreter's
``airlock`` first on PATH. It makes its own inputs and starts its own gateway on a free port.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.gateway import free_port

TOUR = re.compile(r"<!-- tour:start -->\s*```sh\n(.*?)```\s*<!-- tour:end -->", re.DOTALL)


def tour_script() -> str:
    match = TOUR.search((REPO_ROOT / "README.md").read_text())
    assert match, "README.md has no tour block between <!-- tour:start --> and <!-- tour:end -->"
    return match.group(1)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_readme_tour_runs_top_to_bottom(tmp_path: Path) -> None:
    script = tmp_path / "tour.sh"
    script.write_text("set -euo pipefail\n" + tour_script())
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(free_port()),
        "TMPDIR": str(tmp_path),
        "NO_COLOR": "1",
    }
    env.pop("AIRLOCK_HOME", None)
    env.pop("AIRLOCK_DATABASE_URL", None)
    done = subprocess.run(
        ["bash", str(script)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=840,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-6000:]
    # What the tour promises a reader, in the order it happens.
    expected = [
        "allow (released)",  # the loss curve
        "exit 10: held",  # the opaque blob
        ": released",  # after the second approval
        "exit 11: denied",  # a piece of the protected model
        "2 exports with weight content denied",  # the anomaly lock
        "lifted 1 lock(s) on principal rita",
        "receipt ok: entry",
        "Level reached: SL",  # airlock assess
        '"status":"ok"',  # /healthz of the gateway the tour started
        '"name":"alice"',  # $TOKEN authenticates alice
        "Saved ",  # pip fetched tidy from the gateway's index
    ]
    position = 0
    for text in expected:
        found = out.find(text, position)
        assert found >= 0, f"the tour never printed {text!r} (after position {position}):\n{out}"
        position = found
