"""The scoring service: one application at a time over HTTP, its users, and the register.

Modules, in the order data flows: :mod:`~riskmodel.service.settings` (how it runs),
:mod:`~riskmodel.service.users` (who may do what), :mod:`~riskmodel.service.schemas` (the bodies,
made from the contract), :mod:`~riskmodel.service.engine` (models over time; JSON rows to one
assessment and its answer), :mod:`~riskmodel.service.verification` (re-scoring what was issued),
:mod:`~riskmodel.service.metrics`, :mod:`~riskmodel.service.app` (the FastAPI routes) and
:mod:`~riskmodel.service.server` (``riskmodel serve``). The register itself is
:mod:`riskmodel.register`.
"""
