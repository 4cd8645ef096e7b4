#!/usr/bin/env python3
"""Pages through the georep emulator's Azure Resource Graph with the official SDK (azure-mgmt-resourcegraph).

    python sdk_graph.py --url http://127.0.0.1:PORT --token TOKEN --subscriptions A,B,... --expect N

`ResourceGraphClient.resources(QueryRequest(...))` with `$top` 1,000, following `$skipToken` until
there is none; every cache must be seen once, in name order, and the count must match `--expect` and
`totalRecords`. Any mismatch is an AssertionError (exit status 1); success prints `sdk graph: ok`.
As in sdk_flow.py, the SDK's bearer policy is allowed over http:// to a loopback address only.
"""

import argparse
import sys
import time
from urllib.parse import urlparse

from azure.core.credentials import AccessToken
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

SCOPE = "https://management.azure.com/.default"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
QUERY = "Resources | where type =~ 'microsoft.cache/redis' | project id, name, location | order by name asc"


class StaticTokenCredential:
    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3600)


class LoopbackBearerPolicy(ARMChallengeAuthenticationPolicy):
    def on_request(self, request):
        host = urlparse(request.http_request.url).hostname or ""
        if host in LOOPBACK:
            request.context["enforce_https"] = False
        super().on_request(request)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", default="georep-sdk-test")
    parser.add_argument("--subscriptions", required=True, help="comma-separated subscription ids")
    parser.add_argument("--expect", type=int, required=True, help="caches in those subscriptions")
    args = parser.parse_args()

    credential = StaticTokenCredential(args.token)
    client = ResourceGraphClient(
        credential,
        base_url=args.url,
        authentication_policy=LoopbackBearerPolicy(credential, SCOPE),
        retry_total=2,
    )
    subscriptions = [s for s in args.subscriptions.split(",") if s]
    print(f"azure-mgmt-resourcegraph against {args.url}, api-version {client._config.api_version}", flush=True)

    seen, names, pages, token = set(), [], 0, None
    while True:
        request = QueryRequest(
            subscriptions=subscriptions,
            query=QUERY,
            options=QueryRequestOptions(top=1000, skip_token=token),
        )
        page = client.resources(request)
        pages += 1
        assert page.total_records == args.expect, f"totalRecords {page.total_records}, expected {args.expect}"
        assert page.count == len(page.data), f"count {page.count} but {len(page.data)} rows"
        assert page.result_truncated == "false", page.result_truncated
        assert len(page.data) <= 1000, len(page.data)
        for row in page.data:
            assert set(row) == {"id", "name", "location"}, f"columns {sorted(row)}"
            key = row["id"].lower()
            assert key not in seen, f"{row['id']} seen twice"
            seen.add(key)
            names.append(row["name"].lower())
        print(f"page {pages}: {page.count} rows, skip token {'yes' if page.skip_token else 'no'}", flush=True)
        if not page.skip_token:
            break
        token = page.skip_token
    assert len(seen) == args.expect, f"saw {len(seen)} caches, expected {args.expect}"
    assert names == sorted(names), "not in name order"
    print(f"resources: {len(seen)} caches in {pages} pages, each once", flush=True)
    print("sdk graph: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
