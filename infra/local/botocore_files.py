"""botocore's data files read once per process of the local cloud and of the tests, not once per session.

botocore gives every session a loader of its own, which parses endpoints.json (1 MB of JSON) the first time the
session makes a client, and each service's model and endpoint rules the first time it makes a client of that
service: a new session with an SQS and a DynamoDB client took 93 ms of CPU, and 18 ms once the parsed files are
shared. The local cloud makes sessions by the dozen (one per queue poller, per schedule store, per provisioning,
per snapshot) and so do the tests, where each start of in-process moto also swaps boto3's default session for a
new one: two thirds of what the integration tests spent making clients, a tenth of their CPU, was that parsing.

`share()` makes every loader created afterwards keep what it parses in one dictionary per search path, so each
file is parsed once per process. The files are the installed packages' own, which do not change while it runs;
botocore already shares a loader's parsed files between the clients of one session.
"""
from __future__ import annotations

from typing import Any

import botocore.loaders
import botocore.session

_parsed: dict[str | None, dict[Any, Any]] = {}


def _loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader(search_path_string)
    # botocore's instance_cache keeps a loader's parsed files in its `_cache` dictionary, keyed by the method and
    # file name: loaders with the same search path read the same files (setdefault is atomic: threads agree)
    loader._cache = _parsed.setdefault(search_path_string, {})  # type: ignore[attr-defined]
    return loader


def share() -> None:
    """Every botocore session created from now on in this process reads its data files through the shared cache."""
    botocore.session.create_loader = _loader  # type: ignore[attr-defined]
