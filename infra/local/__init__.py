"""The embedded local cloud: moto server + a function host, provisioned from template.yaml.

Entry points: ``python -m infra.local up`` and ``infra.local.cloud.LocalCloud``.
"""
