"""Files a build backend runs when pip builds an sdist, besides ``setup.py`` (issue 16).

Pure: reads a parsed ``pyproject.toml``, runs nothing.

* **Hook modules** (ADR 0076): hatchling's custom build hook (``hatch_build.py``, or the
  ``path`` of ``[tool.hatch.build.hooks.custom]`` or of a target's), pdm-backend's
  ``pdm_build.py`` (or ``[tool.pdm.build] custom-hook``) and poetry-core's build script
  (``[tool.poetry.build] script``, or the older ``build = "..."``). Their hook functions
  (``initialize``, ``pdm_build_initialize``, ...) are called by the backend: the module is
  read as an install helper, whose functions run on install.
* **Build files of compiled-extension backends**: a root ``CMakeLists.txt`` (scikit-build,
  py-build-cmake), ``meson.build`` (meson-python) or ``build.rs`` (maturin: cargo's build
  script, ADR 0115) runs its commands (``execute_process``, ``run_command``,
  ``Command::new``) when the sdist is built.

What it does not do: read a hook module that another file names in code, or follow CMake's
``include``/meson's ``subdir`` into other build files (only the root one is judged).
"""

from __future__ import annotations

from typing import Any

# Backends that build by running the root CMake or meson project.
BUILD_FILE_BACKENDS = {
    "CMakeLists.txt": ("scikit_build_core", "skbuild", "py_build_cmake", "cmake_build_extension"),
    "meson.build": ("mesonpy",),
    # maturin builds the root crate with cargo, which runs its build script first (ADR 0115).
    "build.rs": ("maturin",),
}


def hook_files(config: dict[str, Any]) -> list[str]:
    """Paths (relative to the sdist's root) of the hook modules ``config`` makes a backend
    run: declared ones, and a backend's default when it is the build backend."""
    tool = _table(config.get("tool"))
    backend = str(_table(config.get("build-system")).get("build-backend") or "")
    found: list[str] = []
    hatch = _table(_table(tool.get("hatch")).get("build"))
    targets = _table(hatch.get("targets"))
    for section in [hatch, *(_table(t) for t in targets.values())]:
        custom = _table(section.get("hooks")).get("custom")
        if isinstance(custom, dict):
            path = custom.get("path")
            found.append(path if isinstance(path, str) else "hatch_build.py")
    pdm = _table(_table(tool.get("pdm")).get("build"))
    hook = pdm.get("custom-hook")
    if isinstance(hook, str):
        found.append(hook)
    elif backend.startswith("pdm.backend"):
        found.append("pdm_build.py")
    poetry = _table(tool.get("poetry"))
    build = poetry.get("build")
    script = _table(build).get("script") if isinstance(build, dict) else build
    if isinstance(script, str):
        found.append(script)
    return [p.strip("/").removeprefix("./") for p in found if p.endswith(".py")]


def runs_build_file(config: dict[str, Any], base: str) -> bool:
    """Whether the build backend of ``config`` runs the root build file ``base``."""
    backend = str(_table(config.get("build-system")).get("build-backend") or "")
    return backend.startswith(BUILD_FILE_BACKENDS.get(base, ()))


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
