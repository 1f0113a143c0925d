"""A pod's service-account token sent to its own cluster's API server (issue 16, ADR 0129).

Every in-cluster Kubernetes client (the ``kubernetes`` package's ``load_incluster_config``,
wandb's image look-up) reads ``/var/run/secrets/kubernetes.io/serviceaccount/token`` and
sends it in an ``Authorization`` header to the API server the kubelet names in the pod's
environment (``$KUBERNETES_SERVICE_HOST``) or by its cluster name (``kubernetes.default.svc``).
The token goes back to the service that issued it, as ADR 0067's signed-in credentials do.
A stealer sends the same token anywhere else, or in a body or a URL.

The token read by ``open`` is marked :data:`POD_TOKEN` beside its secret label; under an
authentication header :func:`signed` turns both into :data:`signin.SIGNED` for
:data:`CLUSTER`, and :func:`cluster_api` is the host test :func:`signin.settle` applies to
that mark. Pure: labels and text in, labels out.

What it deliberately does not do: trust the token in a body, a URL, a header of another
name, or sent to any other host; nor notice a module that sets ``KUBERNETES_SERVICE_HOST``
itself before reading it (the address is then the module's, not the kubelet's).
"""

from __future__ import annotations

from airlock.imports.packages.lazyre import LazyPattern

# A label (not a password): read from the pod's service-account token file.
POD_TOKEN = "pod-token"  # noqa: S105
CLUSTER = "<cluster>"  # the signed-in service a pod token is for (no host's label can be it)
TOKEN_PATH = "serviceaccount/token"  # noqa: S105 -- a path's tail, not a password
# The URL of the cluster's own API server: the kubelet's variable, or its in-cluster name.
API_SERVER = LazyPattern(
    r"\s*https?://(?:\$KUBERNETES_SERVICE_HOST\b|kubernetes\.default(?:\.svc(?:\.cluster\.local)?)?"
    r"(?=[:/]|$))"
)


def read_labels(path: str) -> frozenset[str]:
    """:data:`POD_TOKEN` for a file read whose path is the pod's token file, else none."""
    return frozenset({POD_TOKEN}) if TOKEN_PATH in path else frozenset()


def cluster_api(url: str) -> bool:
    """Whether ``url`` (a request's folded first argument) goes to the cluster's API server."""
    return API_SERVER.match(url) is not None
