"""Channels ML code sends by that take a host, not a URL: gRPC, Ray, remote files (ADR 0110).

ADR 0107 closed the channels an ML codebase sends weights by when their calls name what
they send (``push_to_hub``, ``fs.put``, ``redis.set``). Three more are just as ordinary and
were read as nothing:

* gRPC: ``grpc.insecure_channel(host)`` makes a channel; ``channel.unary_unary(path)`` (or
  ``stream_unary``, …) gives the callable that sends its argument to that host.
* Ray: ``ray.init(address='ray://host:10001')`` joins a cluster; ``ray.put(x)`` puts ``x``
  in the cluster's object store, on another host when the address is one.
* A remote file opened for writing: ``fsspec.open('s3://b/m', 'wb')`` or smart_open's
  ``open``; what is written to it is uploaded.

Each is named by its class (a client, :data:`sinks.CLIENTS`), so that its sending calls
resolve; making one sends nothing. Where it sends is its host (:mod:`hostsent` reads it as a
connection to a host written in the code), so weights at a fixed place sent through it, or
the whole environment, are judged as sent to a written address (ADR 0093, 0098). A channel
to ``localhost``, a Ray job on the local machine, or a remote file the caller names are not.

ADR 0119 added a generated stub made on a channel (``FooStub(channel).Put(x)``, named
:data:`GRPC_STUB`), a method's ``future``/``with_call`` forms (:func:`call_form`), a Ray
task's arguments (:mod:`raytasks`), a file system's own ``open`` and ``pipe``, and a remote
file copied into by ``shutil.copyfileobj`` (:mod:`streamed`).

Pure tables and lookups over dotted names and event texts. What it deliberately does not
do: follow a stub's methods into the generated module, or a Ray task's ``.options(...)``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airlock.imports.packages.lazyre import LazyPattern

if TYPE_CHECKING:
    from collections.abc import Callable

    from airlock.imports.packages.flowtypes import Event, Val

# gRPC's channels, named by the call that makes them.
GRPC_CHANNELS = frozenset({
    "grpc.insecure_channel", "grpc.secure_channel", "grpc.aio.insecure_channel",
    "grpc.aio.secure_channel",
})  # fmt: skip
# A channel's calls that give the callable sending to one method of the service; what that
# callable is called with is sent (``ch.unary_unary('/x.S/Put')(data)``).
GRPC_METHODS = frozenset({"unary_unary", "unary_stream", "stream_unary", "stream_stream"})
GRPC_CALLABLES = frozenset(f"{c}.{m}" for c in GRPC_CHANNELS for m in GRPC_METHODS)
# A generated stub made on a channel (``store_pb2_grpc.StoreStub(channel)``): each of its
# methods is a method's callable, named by this.
GRPC_STUB = "grpc.stub"
# Ray's cluster, joined by its address; what ``ray.put`` is given goes to its object store.
RAY_JOIN = "ray.init"
RAY_SENDS = frozenset({"ray.put", "ray.task"})  # ``ray.task``: a task's arguments (0119)
# Remote file systems whose every path is a bucket's (ADR 0119), and fsspec's own, whose
# path names its protocol (``fsspec.filesystem('s3').open('s3://b/k', 'wb')``).
BUCKET_FILESYSTEMS = (
    "s3fs.S3FileSystem", "gcsfs.GCSFileSystem", "adlfs.AzureBlobFileSystem",
    "huggingface_hub.HfFileSystem",
)  # fmt: skip
FILESYSTEMS = ("fsspec.filesystem", *BUCKET_FILESYSTEMS)
# A file system's own ``open`` (ADR 0119), and its ``pipe``: bytes written to a path.
FS_OPENS = frozenset(f"{fs}.open" for fs in FILESYSTEMS)
BUCKET_OPENS = frozenset(f"{fs}.open" for fs in BUCKET_FILESYSTEMS)
FS_PIPES = frozenset(f"{fs}.{put}" for fs in FILESYSTEMS for put in ("pipe", "pipe_file"))
# Files opened by a URL: written to in a write mode, each write is an upload.
REMOTE_OPENS = frozenset({"fsspec.open", "smart_open.open", "smart_open.smart_open"}) | FS_OPENS
REMOTE_WRITES = frozenset({"write", "writelines"})
# Stores and buses ADR 0107 named by their class, made on (or connected to) a host: where
# their sends go, for :mod:`hostsent` (``redis.Redis(host='203.0.113.5')``).
STORE_HOSTS = frozenset({
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
    "paho.mqtt.client.Client.connect",
})  # fmt: skip
# Message buses named by their class, with their calls that send what they are given (as
# ADR 0107's ``STORE_SENDS``): Kafka's producer, a ZeroMQ socket, a RabbitMQ channel.
BUS_SENDS: dict[str, frozenset[str]] = {
    "kafka.KafkaProducer": frozenset({"send"}),
    **dict.fromkeys(
        ("zmq.Context.socket", "zmq.Context.instance.socket"),
        frozenset({"send", "send_multipart", "send_pyobj", "send_string", "send_json"}),
    ),
    "pika.BlockingConnection.channel": frozenset({"basic_publish"}),
}  # fmt: skip
# Where they connect (their host first): the producer's servers, a socket's ``connect``,
# a connection's parameters.
BUS_HOSTS = frozenset({
    "kafka.KafkaProducer", "zmq.Context.socket.connect", "zmq.Context.instance.socket.connect",
    "pika.ConnectionParameters", "pika.URLParameters",
})  # fmt: skip
# Clients of these channels: making one is not traffic, its use is.
CLIENTS = (
    GRPC_CHANNELS | GRPC_CALLABLES | {RAY_JOIN} | REMOTE_OPENS | set(BUS_SENDS)
    | {"zmq.Context", "zmq.Context.instance", "pika.BlockingConnection"}
    | {"pika.ConnectionParameters", "pika.URLParameters"}
)  # fmt: skip
# Calls that are network events: a channel, a cluster or a remote file named (its host is
# read by :mod:`hostsent`), a callable, ``ray.put`` or a remote file's write sending.
NETWORK = (
    GRPC_CHANNELS | GRPC_CALLABLES | {RAY_JOIN} | REMOTE_OPENS | RAY_SENDS | STORE_HOSTS
    | BUS_HOSTS
)  # fmt: skip
# What sends through such a connection, by the head of the event's callee.
SENDERS = (
    GRPC_CHANNELS | REMOTE_OPENS | {"ray", GRPC_STUB} | STORE_HOSTS | {"paho.mqtt.client.Client"}
    | set(BUS_SENDS) | set(FILESYSTEMS)
)  # fmt: skip
# Where a channel, a cluster or a remote file opened for writing connects: its address's
# host after an optional scheme (``ray://``, ``s3://``, ``dns:///``), before a port or path.
_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+.-]*:/{2,3})?([^/:\s]+)", re.IGNORECASE)
# A remote file's scheme: a bucket's (any bucket is another host's) or a server's (its host
# must be another host's). A mode that writes.
BUCKET_SCHEME = LazyPattern(
    r"(?:s3a?|gs|gcs|az|abfss?|adl|hf|oci|r2|dropbox|gdrive)://", re.IGNORECASE
)
SERVER_SCHEME = LazyPattern(r"(?:sftp|ssh|ftp|https?|webdav)://", re.IGNORECASE)
_WRITE_MODE = re.compile(r"^[rwaxbt+]*[wax][rwaxbt+]*$")


def address_host(word: str) -> str:
    """The host an address names (``ray://203.0.113.5:10001`` is ``203.0.113.5``)."""
    match = _ADDRESS.match(word)
    return match.group(1) if match else ""


def opened_for_upload(event: Event, public: Callable[[str], bool]) -> bool:
    """Whether the event opens a remote file for writing (``fsspec.open('s3://b/m', 'wb')``)
    on a bucket, or on a server whose host is ``public``. A file read, or a local path, is
    no upload."""
    words = event.text.split()
    if event.callee in FS_PIPES:  # ``fs.pipe('s3://b/k', data)``: written whatever its mode
        return bool(words) and bool(BUCKET_SCHEME.match(words[0]))
    if event.callee not in REMOTE_OPENS:
        return False
    if len(words) < 2 or not _WRITE_MODE.match(words[1]):
        return False
    if BUCKET_SCHEME.match(words[0]) or event.callee in BUCKET_OPENS:
        return True
    return bool(SERVER_SCHEME.match(words[0])) and public(address_host(words[0]))


def kind(ref: str) -> bool:
    """Whether a call of ``ref`` is one of these channels' network events."""
    if ref in NETWORK:
        return True
    head, _, leaf = ref.rpartition(".")
    return (head in REMOTE_OPENS and leaf in REMOTE_WRITES) or head == GRPC_STUB


def stub(ref: str, args: list[Val]) -> str:
    """:data:`GRPC_STUB` for a class named ``...Stub`` made on a gRPC channel (the code gRPC
    generates), else empty."""
    made_on = any(a.ref in GRPC_CHANNELS for a in args[:1])
    return GRPC_STUB if made_on and ref.endswith("Stub") else ""


def written_to(callee: str) -> bool:
    """Whether ``callee`` writes to a file opened by its URL (``fsspec.open.write``): an
    upload only when the module opened a remote file for writing (:func:`opened_for_upload`)."""
    head, _, leaf = callee.rpartition(".")
    return head in REMOTE_OPENS and leaf in REMOTE_WRITES


def sends(callee: str) -> bool:
    """Whether ``callee`` sends what it is given through one of these channels: a gRPC
    method's callable, ``ray.put``, a remote file's write. Judged by what it carries only:
    sending nothing of the host's is no finding of its own."""
    stubbed = callee.rpartition(".")[0] == GRPC_STUB
    return callee in GRPC_CALLABLES or callee in RAY_SENDS or written_to(callee) or stubbed


# A gRPC method's other call forms: ``stub.Put.future(x)``, ``stub.Put.with_call(x)``.
GRPC_FORMS = frozenset({"future", "with_call"})
GRPC_FORM_ENDS = tuple(f".{form}" for form in GRPC_FORMS)


def call_form(ref: str) -> str:
    """The send a gRPC method's ``future``/``with_call`` stands for (``grpc.stub.Put``), or
    empty (ADR 0119)."""
    if not ref.endswith(GRPC_FORM_ENDS):  # asked of every call: the cheap test first
        return ""
    head, _, leaf = ref.rpartition(".")
    sent = head in GRPC_CALLABLES or head.rpartition(".")[0] == GRPC_STUB
    return head if leaf in GRPC_FORMS and sent else ""


def made_callable(event: Event) -> bool:
    """Whether the event makes a gRPC method's callable (``ch.unary_unary('/pkg.S/Put')``,
    the same name as its call): it sends nothing, whatever its channel's host came from."""
    return event.callee in GRPC_CALLABLES and bool(GRPC_PATH.match(event.text))


# A gRPC method's path: ``/package.Service/Method``.
GRPC_PATH = re.compile(r"/[\w.]+/\w+(?:\s|$)")
