#!/usr/bin/env python3
"""Drives the georep emulator's Azure Managed Redis routes with Microsoft's SDK (azure-mgmt-redisenterprise).

    python sdk_enterprise.py --url http://127.0.0.1:PORT [--token TOKEN]

Lists clusters (by subscription and by resource group) and databases, creates a database into the demo
group orders-geo with `databases.begin_create(...).result()`, force-unlinks it from another member with
`begin_force_unlink(...).result()`, flushes a member and another one with `begin_flush(...).result()`
and checks what each left behind, then reads geoReplicationHealthy with azure-mgmt-monitor. Any mismatch is an AssertionError (exit status 1); success prints
`sdk enterprise: ok`. The bearer token over http to loopback: see sdk_flow.py's LoopbackBearerPolicy.
"""

import argparse
import sys
import time

from azure.core.exceptions import HttpResponseError
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.redisenterprise import RedisEnterpriseManagementClient
from azure.mgmt.redisenterprise.models import (
    Database,
    DatabasePropertiesGeoReplication,
    FlushParameters,
    ForceUnlinkParameters,
    LinkedDatabase,
    Module,
)

from sdk_flow import SCOPE, LoopbackBearerPolicy, StaticTokenCredential, same_id

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
RG = "rg-contoso-amr"
MEMBERS = ["amr-orders-eus", "amr-orders-weu", "amr-orders-sea"]
JOINING = "amr-orders-jpe"
GROUP_KEYS = 1250000
START = time.monotonic()


def step(msg):
    print(f"[{time.monotonic() - START:6.2f}s] {msg}", flush=True)


def db_id(cluster):
    return (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise/"
        f"{cluster}/databases/default"
    )


def states(db):
    """{cluster name: link state} as the database lists its group."""
    linked = db.geo_replication.linked_databases if db.geo_replication else []
    return {l.id.split("/")[-3]: l.state for l in linked}


def raw(client, cluster):
    """The database's JSON as sent (the emulator's dataPlane extension is not in the SDK's model)."""
    return client.databases.get(RG, cluster, "default", cls=lambda resp, _des, _h: resp.http_response.json())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", default="georep-sdk-test")
    args = parser.parse_args()
    credential = StaticTokenCredential(args.token)
    client = RedisEnterpriseManagementClient(
        credential,
        SUBSCRIPTION,
        base_url=args.url,
        authentication_policy=LoopbackBearerPolicy(credential, SCOPE),
        retry_total=2,
        polling_interval=0.2,
    )
    step(f"api-version {client._config.api_version}")

    clusters = list(client.redis_enterprise.list())
    in_rg = list(client.redis_enterprise.list_by_resource_group(RG))
    assert len(clusters) == 15 and len(in_rg) == 15, (len(clusters), len(in_rg))
    eus = client.redis_enterprise.get(RG, "amr-orders-eus")
    assert eus.sku.name == "Balanced_B5" and eus.high_availability == "Enabled", (eus.sku, eus.high_availability)
    step(f"redis_enterprise.list: {len(clusters)} clusters; get: {eus.name} ({eus.location}, {eus.sku.name})")

    dbs = list(client.databases.list_by_cluster(RG, "amr-orders-eus"))
    assert len(dbs) == 1, dbs
    group = dbs[0].geo_replication
    assert group.group_nickname == "orders-geo", group.group_nickname
    assert states(dbs[0]) == {m: "Linked" for m in MEMBERS}, states(dbs[0])
    step(f"databases.list_by_cluster: {dbs[0].name} in {group.group_nickname} with {len(states(dbs[0]))} members, all Linked")

    linked = [LinkedDatabase(id=db_id(m)) for m in MEMBERS + [JOINING]]
    new = Database(
        client_protocol="Encrypted",
        clustering_policy="EnterpriseCluster",
        eviction_policy="NoEviction",
        port=10000,
        modules=[Module(name="RediSearch")],
        geo_replication=DatabasePropertiesGeoReplication(group_nickname="orders-geo", linked_databases=linked),
    )
    poller = client.databases.begin_create(RG, JOINING, "default", new)
    step(f"databases.begin_create: {poller.status()}")
    created = poller.result()
    assert created.provisioning_state == "Succeeded", created.provisioning_state
    assert states(created) == {m: "Linked" for m in MEMBERS + [JOINING]}, states(created)
    assert raw(client, JOINING)["properties"]["dataPlane"]["datasetKeys"] == GROUP_KEYS
    step(f"begin_create(...).result(): {created.name} {created.provisioning_state}, 4 members Linked")

    try:
        client.databases.begin_force_unlink(
            RG, "amr-orders-eus", "default", ForceUnlinkParameters(ids=[db_id("amr-catalog-cus")])
        ).result()
        raise AssertionError("force-unlink of a database outside the group was accepted")
    except HttpResponseError as e:
        assert e.status_code == 400 and e.error.code == "NotInGroup", (e.status_code, e.error)
        step(f"begin_force_unlink(not a member): HttpResponseError {e.status_code} {e.error.code}")

    client.databases.begin_force_unlink(RG, "amr-orders-eus", "default", ForceUnlinkParameters(ids=[db_id(JOINING)])).result()
    after = client.databases.get(RG, "amr-orders-eus", "default")
    assert states(after) == {m: "Linked" for m in MEMBERS}, states(after)
    gone = client.databases.get(RG, JOINING, "default")
    assert list(states(gone)) == [JOINING] and same_id(gone.id, db_id(JOINING)), states(gone)
    step(f"begin_force_unlink(...).result(): {JOINING} unlinked; amr-orders-eus lists {len(states(after))} members")

    client.databases.begin_flush(RG, "amr-orders-eus", "default", FlushParameters(ids=[db_id("amr-orders-weu")])).result()
    keys = {m: raw(client, m)["properties"]["dataPlane"]["datasetKeys"] for m in MEMBERS}
    assert keys == {"amr-orders-eus": 0, "amr-orders-weu": 0, "amr-orders-sea": GROUP_KEYS}, keys
    step(f"begin_flush(...).result(): keys {keys}")
    monitor = MonitorManagementClient(
        credential,
        SUBSCRIPTION,
        base_url=args.url,
        authentication_policy=LoopbackBearerPolicy(credential, SCOPE),
        retry_total=2,
    )
    got = monitor.metrics.list(eus.id, metricnames="geoReplicationHealthy", aggregation="Maximum,Minimum,Average")
    series = got.value[0].timeseries[0].data
    newest = [p for p in series if p.maximum is not None][-1]
    assert got.value[0].name.value == "geoReplicationHealthy" and newest.maximum == 1.0, (got.value[0].name, newest)
    step(f"metrics.list(geoReplicationHealthy): {len(series)} points, newest maximum {newest.maximum}")
    print("sdk enterprise: ok", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"sdk enterprise: FAILED: {e}", file=sys.stderr, flush=True)
        raise
