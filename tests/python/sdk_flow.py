#!/usr/bin/env python3
"""Drives the georep emulator with the official Azure SDKs for Python (azure-mgmt-redis, azure-mgmt-monitor).

    python sdk_flow.py --url http://127.0.0.1:PORT [--token TOKEN]

Lists caches (by subscription and by resource group), gets the primary and the secondary, links
them with `linked_server.begin_create(...).result()`, checks both sides of the link with
`linked_server.list`, unlinks with `begin_delete(...).result()` and checks that both lists are empty
again. Then reads the demo link's geo-replication metrics with azure-mgmt-monitor's `metrics.list`
(one series per shard with `$filter=ShardId eq '*'`), each on the side that emits it, and checks that an
unknown metric name is an HttpResponseError 400. Any mismatch is an AssertionError (exit status 1); success prints `sdk flow: ok`.

The one concession to the emulator: azure-core refuses to send a bearer token over plain http
("Bearer token authentication is not permitted for non-TLS protected (non-https) URLs"). The SDK's
own ARM authentication policy is kept, and told not to enforce https only when the request goes to
a loopback address (see `LoopbackBearerPolicy`). The token comes from a static credential; when the
emulator is started with a token, it checks that the header arrives.
"""

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.redis import RedisManagementClient
from azure.mgmt.redis.models import RedisLinkedServerCreateParameters

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
PRIMARY_RG, PRIMARY = "rg-contoso-prod", "contoso-prod-eus"
SECONDARY_RG, SECONDARY = "rg-contoso-dr", "contoso-dr-wus2"
INVENTORY_RG, INVENTORY_PRIMARY, INVENTORY_SECONDARY = "rg-contoso-inventory", "contoso-inventory-eus", "contoso-inventory-weu"
SCOPE = "https://management.azure.com/.default"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class StaticTokenCredential:
    """A TokenCredential (azure.core.credentials protocol) that always returns one token."""

    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3600)


class LoopbackBearerPolicy(ARMChallengeAuthenticationPolicy):
    """The SDK's ARM bearer-token policy, allowed over http:// to a loopback address only.

    azure-core reads `enforce_https` from the request context (the per-call keyword
    `enforce_https=False` lands there too, but the LRO poller's requests do not carry per-call
    keywords, so it is set here for every request to 127.0.0.1)."""

    def on_request(self, request):
        host = urlparse(request.http_request.url).hostname or ""
        if host in LOOPBACK:
            request.context["enforce_https"] = False
        super().on_request(request)


def step(msg):
    print(f"[{time.monotonic() - START:6.2f}s] {msg}", flush=True)


def same_id(a, b):
    return (a or "").lower() == (b or "").lower()


def check_link_entries(client, primary, secondary, state):
    """Both sides of a link: on the primary an entry named after the secondary whose role is
    Secondary, on the secondary an entry named after the primary whose role is Primary."""
    on_primary = list(client.linked_server.list(PRIMARY_RG, PRIMARY))
    on_secondary = list(client.linked_server.list(SECONDARY_RG, SECONDARY))
    assert len(on_primary) == 1, f"primary lists {len(on_primary)} linked servers: {on_primary}"
    assert len(on_secondary) == 1, f"secondary lists {len(on_secondary)} linked servers: {on_secondary}"
    p, s = on_primary[0], on_secondary[0]
    assert p.name == SECONDARY, f"primary's entry is named {p.name!r}"
    assert p.server_role == "Secondary", f"primary's entry has role {p.server_role!r}"
    assert same_id(p.linked_redis_cache_id, secondary.id), p.linked_redis_cache_id
    assert p.provisioning_state == state, f"primary's entry is {p.provisioning_state!r}"
    assert s.name == PRIMARY, f"secondary's entry is named {s.name!r}"
    assert s.server_role == "Primary", f"secondary's entry has role {s.server_role!r}"
    assert same_id(s.linked_redis_cache_id, primary.id), s.linked_redis_cache_id
    assert s.provisioning_state == state, f"secondary's entry is {s.provisioning_state!r}"
    for e in (p, s):
        assert e.type and e.type.lower() == "microsoft.cache/redis/linkedservers", e.type
        assert e.geo_replicated_primary_host_name, "geoReplicatedPrimaryHostName missing"
        assert e.primary_host_name == f"{PRIMARY}.redis.cache.windows.net", e.primary_host_name
    step(
        f"linked_server.list: {PRIMARY} -> {p.name} ({p.server_role}, {p.provisioning_state}); "
        f"{SECONDARY} -> {s.name} ({s.server_role}, {s.provisioning_state})"
    )


def values(series, aggregation):
    return [getattr(p, aggregation) for p in series.data if getattr(p, aggregation) is not None]


def check_metrics(args, credential, redis):
    """The demo link's metrics through azure-mgmt-monitor: the secondary emits Healthy, the lag and the
    full-sync events, the primary the Data Sync Offset; the link's creation in the made-up history shows
    as one full sync."""
    monitor = MonitorManagementClient(
        credential,
        SUBSCRIPTION,
        base_url=args.url,
        authentication_policy=LoopbackBearerPolicy(credential, SCOPE),
        retry_total=2,
    )
    end = datetime.now(timezone.utc)
    timespan = f"{end - timedelta(hours=24):%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}"
    secondary = redis.redis.get(INVENTORY_RG, INVENTORY_SECONDARY)
    primary = redis.redis.get(INVENTORY_RG, INVENTORY_PRIMARY)
    names = "GeoReplicationHealthy,GeoReplicationConnectivityLag,GeoReplicationFullSyncEventStarted"
    got = monitor.metrics.list(
        secondary.id, timespan=timespan, interval="PT1H", metricnames=names,
        aggregation="average,maximum,total", filter="ShardId eq '*'",
    )
    by_name = {m.name.value: m for m in got.value}
    assert sorted(by_name) == sorted(names.split(",")), sorted(by_name)
    healthy = by_name["GeoReplicationHealthy"]
    assert healthy.unit == "Count" and len(healthy.timeseries) == 1, (healthy.unit, healthy.timeseries)
    shard = healthy.timeseries[0].metadatavalues[0]
    assert (shard.name.value, shard.value) == ("shardid", "0"), shard
    assert values(healthy.timeseries[0], "average")[-1] == 1.0, values(healthy.timeseries[0], "average")
    lag = by_name["GeoReplicationConnectivityLag"]
    assert lag.unit == "Seconds" and values(lag.timeseries[0], "maximum")[-1] <= 1.0, values(lag.timeseries[0], "maximum")
    started = sum(values(by_name["GeoReplicationFullSyncEventStarted"].timeseries[0], "total"))
    assert started == 1, started
    step(
        f"metrics.list({INVENTORY_SECONDARY}): interval {got.interval}, "
        f"Healthy {values(healthy.timeseries[0], 'average')[-1]:.0f} on shard {shard.value}, full syncs started {started:.0f}"
    )
    got = monitor.metrics.list(
        primary.id, timespan=timespan, interval="PT1H",
        metricnames="GeoReplicationDataSyncOffset,GeoReplicationHealthy", aggregation="maximum", filter="ShardId eq '*'",
    )
    by_name = {m.name.value: m for m in got.value}
    offset = by_name["GeoReplicationDataSyncOffset"]
    assert offset.unit == "Bytes" and len(offset.timeseries) == 1, offset
    assert max(values(offset.timeseries[0], "maximum")) >= 900e6, "the initial sync's offset is missing"
    assert by_name["GeoReplicationHealthy"].timeseries == [], "the primary emits no Healthy"
    step(f"metrics.list({INVENTORY_PRIMARY}): Data Sync Offset on the primary only, now {values(offset.timeseries[0], 'maximum')[-1]:.0f} B")
    try:
        monitor.metrics.list(primary.id, metricnames="GeoReplicationNope")
        raise AssertionError("an unknown metric name was accepted")
    except HttpResponseError as e:
        assert e.status_code == 400 and "GeoReplicationNope" in str(e), (e.status_code, str(e))
    step("metrics.list(unknown metric): HttpResponseError 400")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the emulator, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", default="georep-sdk-test", help="bearer token to send")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for each LRO")
    args = parser.parse_args()

    credential = StaticTokenCredential(args.token)
    client = RedisManagementClient(
        credential,
        SUBSCRIPTION,
        base_url=args.url,
        authentication_policy=LoopbackBearerPolicy(credential, SCOPE),
        # Seconds between polls when the server sends no Retry-After (the emulator does send it).
        polling_interval=1,
        # Fail fast instead of retrying a broken emulator for minutes.
        retry_total=2,
    )
    step(f"azure-mgmt-redis against {args.url}, api-version {client._config.api_version}")

    # Caches.
    by_sub = list(client.redis.list_by_subscription())
    names = {c.name for c in by_sub}
    assert {PRIMARY, SECONDARY} <= names, f"list_by_subscription misses the demo caches: {sorted(names)}"
    step(f"redis.list_by_subscription: {len(by_sub)} caches")
    by_rg = list(client.redis.list_by_resource_group(PRIMARY_RG))
    assert PRIMARY in {c.name for c in by_rg}, [c.name for c in by_rg]
    assert all(f"/resourcegroups/{PRIMARY_RG}/" in c.id.lower() for c in by_rg), [c.id for c in by_rg]
    assert len(by_rg) < len(by_sub), "list_by_resource_group did not filter"
    step(f"redis.list_by_resource_group({PRIMARY_RG}): {len(by_rg)} caches")

    primary = client.redis.get(PRIMARY_RG, PRIMARY)
    secondary = client.redis.get(SECONDARY_RG, SECONDARY)
    for c, rg, name in ((primary, PRIMARY_RG, PRIMARY), (secondary, SECONDARY_RG, SECONDARY)):
        assert c.name == name and c.sku.name == "Premium", (c.name, c.sku)
        assert c.provisioning_state == "Succeeded", c.provisioning_state
        assert same_id(c.id, f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}/providers/Microsoft.Cache/Redis/{name}"), c.id
    step(
        f"redis.get: {primary.name} ({primary.location}, {primary.sku.name} {primary.sku.family}{primary.sku.capacity}), "
        f"{secondary.name} ({secondary.location}, {secondary.sku.name} {secondary.sku.family}{secondary.sku.capacity})"
    )
    assert list(client.linked_server.list(PRIMARY_RG, PRIMARY)) == [], "primary is already linked"
    assert list(client.linked_server.list(SECONDARY_RG, SECONDARY)) == [], "secondary is already linked"

    # Link.
    params = RedisLinkedServerCreateParameters(
        linked_redis_cache_id=secondary.id,
        linked_redis_cache_location=secondary.location,
        server_role="Secondary",
    )
    poller = client.linked_server.begin_create(PRIMARY_RG, PRIMARY, SECONDARY, params)
    during = client.redis.get(PRIMARY_RG, PRIMARY).provisioning_state
    step(f"linked_server.begin_create: {poller.status()}; primary is {during}")
    assert during == "Linking", f"primary is {during!r} while linking"
    link = poller.result(timeout=args.timeout)
    assert poller.done(), f"link did not finish within {args.timeout}s (status {poller.status()})"
    assert link is not None, "begin_create returned no link"
    assert link.provisioning_state == "Succeeded", f"link is {link.provisioning_state!r}"
    assert link.name == SECONDARY and link.server_role == "Secondary", (link.name, link.server_role)
    assert same_id(link.linked_redis_cache_id, secondary.id), link.linked_redis_cache_id
    step(f"begin_create(...).result(): {link.name} role {link.server_role}, provisioningState {link.provisioning_state}")

    got = client.linked_server.get(PRIMARY_RG, PRIMARY, SECONDARY)
    assert got.provisioning_state == "Succeeded" and got.server_role == "Secondary", got
    check_link_entries(client, primary, secondary, "Succeeded")
    for rg, name in ((PRIMARY_RG, PRIMARY), (SECONDARY_RG, SECONDARY)):
        c = client.redis.get(rg, name)
        assert c.provisioning_state == "Succeeded", f"{name} is {c.provisioning_state!r} after linking"
        assert c.linked_servers and len(c.linked_servers) == 1, f"{name}.linkedServers = {c.linked_servers}"

    # Unlink.
    poller = client.linked_server.begin_delete(PRIMARY_RG, PRIMARY, SECONDARY)
    during = client.redis.get(PRIMARY_RG, PRIMARY).provisioning_state
    step(f"linked_server.begin_delete: {poller.status()}; primary is {during}")
    assert during == "Unlinking", f"primary is {during!r} while unlinking"
    assert poller.result(timeout=args.timeout) is None
    assert poller.done(), f"unlink did not finish within {args.timeout}s (status {poller.status()})"
    assert poller.status() == "Succeeded", poller.status()
    step(f"begin_delete(...).result(): {poller.status()}")
    left_p = list(client.linked_server.list(PRIMARY_RG, PRIMARY))
    left_s = list(client.linked_server.list(SECONDARY_RG, SECONDARY))
    assert left_p == [] and left_s == [], f"links left after unlink: {left_p} {left_s}"
    for rg, name in ((PRIMARY_RG, PRIMARY), (SECONDARY_RG, SECONDARY)):
        c = client.redis.get(rg, name)
        assert c.provisioning_state == "Succeeded", f"{name} is {c.provisioning_state!r} after unlinking"
        assert not c.linked_servers, f"{name}.linkedServers = {c.linked_servers}"
    step("linked_server.list: both empty")
    check_metrics(args, credential, client)
    print("sdk flow: ok", flush=True)
    return 0


START = time.monotonic()

if __name__ == "__main__":
    sys.exit(main())
