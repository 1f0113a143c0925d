"""A tool's credential file, or a weights file, read through a path object (issue 16; ADR
0119). Pure.

``open(os.path.expanduser('~/.kube/config')).read()`` is an ``open`` event that ADR 0110's
rule reads (:func:`chains._sdk_credentials_sent`: held when sent when called, denied on
import). The same file read by ``(Path.home() / '.kube' / 'config').read_text()`` made no
event: a path's ``read_text`` marked only the files no SDK sends (ADR 0079). Here such a
read is the ``open`` it stands for, and its data carries the home folder's host information
as ``expanduser``'s does, so both spellings are judged alike.

A weights file at a fixed place read by ``Path('/models/…/model.safetensors').read_bytes()``
made no event either, so sending its bytes to an address written in the code when called
was allowed where ``open(W, 'rb').read()`` is denied (ADR 0093). Its read is the ``open`` it
stands for too (no host information: the weights are named by the ``open`` event).

What it does not do: paths that do not fold to such a file's text, and reads of any other
file through a path, which stay as they were.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from airlock.imports.packages import repoconfig
from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pathshape import PATH_READS, arg_text
from airlock.imports.packages.sinks import HOSTINFO, WEIGHT_FILE

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import When


# Credential files a tool's own SDK reads and sends its token from, to its service's address
# written in the SDK's code (google-auth's token endpoint, the hub's API): kubectl's, Docker's,
# gcloud's application default, gh's, the model hub's, Vault's, Databricks', Terraform's, boto's
# and s3cmd's, PostgreSQL's password file.
SDK_CREDENTIAL = LazyPattern(
    r"\.kube/config|\.docker/config\.json|application_default_credentials\.json|"
    r"gh/hosts\.yml|huggingface/token|\.vault-token|\.databrickscfg|credentials\.tfrc\.json|"
    r"\.boto\b|\.s3cfg|\.pgpass|\$(?:KUBECONFIG|DOCKER_CONFIG|GOOGLE_APPLICATION_CREDENTIALS)\b",
    re.IGNORECASE,
)


def tool_credential(shape: str) -> bool:
    """``shape`` names a credential file a tool's SDK reads (``~/.kube/config``)."""
    return bool(shape) and SDK_CREDENTIAL.search(shape) is not None


def host_file(path: Val) -> bool:
    """``path`` names a tool's credential file or a repository's ``.git/config`` (ADR 0195):
    what is read from it is host information."""
    return tool_credential(path.shape) or repoconfig.read(arg_text(path) or path.shape)


def _host_shape(shape: str) -> bool:
    """:func:`host_file` of a path known only by its shape."""
    return tool_credential(shape) or repoconfig.read(shape)


def _read_as_open(shape: str) -> bool:
    """A tool's credential file, a repository's configuration or a weights file: a path read
    the ``open`` rules judge."""
    return _host_shape(shape) or (bool(shape) and WEIGHT_FILE.search(shape) is not None)


def kept(attr: str, path: Val) -> Val | None:
    """The path itself for ``path.read_text`` of a tool's credential file or a weights file,
    so that the call reaches :func:`read`; None otherwise."""
    return path if attr in PATH_READS and _read_as_open(path.shape) else None


def read(interp: Interpreter, node: ast.Call, path: Val, when: When) -> Val | None:
    """``path.read_text()`` / ``read_bytes()`` of a tool's credential file or a weights file
    as ``open(path, 'rb').read()``: an ``open`` event, and the file's data; None for other
    calls."""
    attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if attr not in PATH_READS or not _read_as_open(path.shape):
        return None
    opened = ast.Call(ast.Name("open", ast.Load()), [ast.Constant(path.shape)], [])
    ast.copy_location(opened, node)
    host = {HOSTINFO} if _host_shape(path.shape) else set()
    given = [Val(const=path.shape, labels=path.labels | host)]
    return interp.sink(opened, Val(ref="open"), given, {}, {}, when)
