"""The registry API's fixed points (`docs/registry_api.md`), shared by the client and the simulator."""

from __future__ import annotations

PACKAGES = "/api/v1/packages"
QUERY = "/api/v1/submissions/query"
STATS = "/api/v1/stats"  # the simulator's only
MAX_QUERY_KEYS = 1000
MAX_BODY_BYTES = 64 * 1024 * 1024
