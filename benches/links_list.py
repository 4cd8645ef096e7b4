#!/usr/bin/env python3
"""The same call as `georep links list -o json`, made with the official Azure SDK for Python.

    python links_list.py --url http://127.0.0.1:PORT --token TOKEN --subscription SUB \
        --resource-group RG --name CACHE

Lists the linked servers of one cache with `RedisManagementClient.linked_server.list` and prints them
as JSON (the REST shape, `serialize()`), as `georep links list --output json` prints the ARM bodies.
benches/links_list.sh times this script and georep side by side with hyperfine.

As in tests/python/sdk_flow.py, the SDK's own ARM bearer-token policy is kept and told not to insist
on https only for a loopback address (azure-core refuses bearer tokens over plain http otherwise).
"""

import argparse
import json
import sys
import time
from urllib.parse import urlparse

from azure.core.credentials import AccessToken
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
from azure.mgmt.redis import RedisManagementClient

SCOPE = "https://management.azure.com/.default"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class StaticTokenCredential:
    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3600)


class LoopbackBearerPolicy(ARMChallengeAuthenticationPolicy):
    def on_request(self, request):
        if (urlparse(request.http_request.url).hostname or "") in LOOPBACK:
            request.context["enforce_https"] = False
        super().on_request(request)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--subscription", required=True)
    p.add_argument("--resource-group", required=True)
    p.add_argument("--name", required=True)
    a = p.parse_args()
    credential = StaticTokenCredential(a.token)
    client = RedisManagementClient(
        credential,
        a.subscription,
        base_url=a.url,
        authentication_policy=LoopbackBearerPolicy(credential, SCOPE),
    )
    entries = [e.serialize(keep_readonly=True) for e in client.linked_server.list(a.resource_group, a.name)]
    print(json.dumps(entries, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
