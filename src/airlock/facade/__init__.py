"""The parts of the Airlock facade, one group of actions per module (ADR 0092).

:class:`airlock.service.Airlock` is composed of the mixins here: ``principals``
(principals, tokens, authentication, projects), ``requests`` (reading requests),
``exports`` (exports, votes, releases, locks), ``budgets`` (status, budgets, exfiltration
estimates, friction), ``packages``, ``datasets`` (with lineage), ``weights`` (protected
models, the inspector, watermarks), ``assessment``, ``access`` (refusals, break-glass),
``outputs`` and ``ledger``, on ``core.FacadeCore`` (state, capabilities, the ledger entry of
an action). ``values`` holds :class:`Actor` and the other values the facade hands out.

Import the facade from :mod:`airlock.service`; these modules are its implementation.
"""
