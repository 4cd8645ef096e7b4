//! Properties of the link state machine (`georep::geo::Topology`) over random operation sequences on six
//! caches with random attributes. After every step:
//!
//! - no cache is in two links;
//! - every link shows as two mirrored entries: on the primary, one naming the secondary with role
//!   Secondary; on the secondary, one naming the primary with role Primary; caches outside links have none;
//! - `begin_link` succeeds exactly when `compatibility` is empty (and then adds one link in `Creating`),
//!   and otherwise returns `Incompatible` with exactly those reasons and changes nothing;
//! - `apply` follows the transition table (checked against a model kept here), refuses everything else
//!   with an error and changes nothing; nothing panics;
//! - `cache_state` is Linking while a link is Creating or Syncing, Unlinking while Deleting, else none;
//! - the console's view (`FromResources` over rendered resources) and the emulator's (`Topology`) give the
//!   same reasons.
//!
//! Resources are rendered the way the emulator renders them: `provisioningState` from `cache_state` when
//! a link imposes one, `linkedServers` from `entries`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;

use georep::arm::{LinkedServerRef, ProvisioningState, RedisResource, ReplicationRole, ResourceId};
use georep::geo::{
    FromResources, LinkEvent, LinkPhase, Topology, TransitionError, compatibility, geo_primary_host_name, host_name,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;

const CACHES: usize = 6;
const REGIONS: &[&str] = &["East US", "West Europe", "Japan East"];
const EVENTS: [LinkEvent; 6] = [
    LinkEvent::SyncStarted,
    LinkEvent::Synced,
    LinkEvent::LinkFailed,
    LinkEvent::UnlinkStarted,
    LinkEvent::Unlinked,
    LinkEvent::UnlinkFailed,
];

/// What a cache is, apart from what links do to it.
#[derive(Clone, Debug)]
struct Attrs {
    premium: bool,
    other_subscription: bool,
    region: &'static str,
    capacity: u32,
    shards: u32,
    version: &'static str,
    rdb: bool,
    aof: bool,
    /// `provisioningState` when no link imposes one.
    state: ProvisioningState,
}

fn attrs() -> impl Strategy<Value = Attrs> {
    (
        prop::bool::weighted(0.95),
        prop::bool::weighted(0.05),
        prop::sample::select(REGIONS),
        1u32..=3,
        prop_oneof![8 => Just(0u32), 1 => Just(2u32), 1 => Just(3u32)],
        prop_oneof![6 => Just("6.0"), 1 => Just("6.2.14"), 1 => Just("4.0.14")],
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.05),
        prop_oneof![
            20 => Just(ProvisioningState::Succeeded),
            1 => Just(ProvisioningState::Scaling),
            1 => Just(ProvisioningState::Updating),
            1 => Just(ProvisioningState::Failed),
        ],
    )
        .prop_map(|(premium, other_subscription, region, capacity, shards, version, rdb, aof, state)| Attrs {
            premium,
            other_subscription,
            region,
            capacity,
            shards,
            version,
            rdb,
            aof,
            state,
        })
}

#[derive(Clone, Debug)]
enum Op {
    /// `begin_link(primary, secondary)`; `shout` spells the ids in upper case.
    Begin { primary: usize, secondary: usize, shout: bool },
    /// `apply(cache, event)`.
    Apply { cache: usize, event: LinkEvent, shout: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0..CACHES;
    prop_oneof![
        2 => (i.clone(), i.clone(), prop::bool::weighted(0.2))
            .prop_map(|(primary, secondary, shout)| Op::Begin { primary, secondary, shout }),
        3 => (i, prop::sample::select(EVENTS.to_vec()), prop::bool::weighted(0.2))
            .prop_map(|(cache, event, shout)| Op::Apply { cache, event, shout }),
    ]
}

fn scenario() -> impl Strategy<Value = (Vec<Attrs>, Vec<Op>)> {
    (prop::collection::vec(attrs(), CACHES), prop::collection::vec(op(), 1..80))
}

fn id_string(i: usize, a: &Attrs, shout: bool) -> String {
    let sub = if a.other_subscription { "other-sub" } else { "sub" };
    let id = format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Cache/Redis/cache{i}");
    if shout { id.to_ascii_uppercase() } else { id }
}

fn id(i: usize, a: &Attrs, shout: bool) -> ResourceId {
    ResourceId::parse(&id_string(i, a, shout)).expect("test ids are valid")
}

/// The cache as the API would show it now.
fn render(i: usize, a: &Attrs, topology: &Topology, shout: bool) -> RedisResource {
    let rid = id(i, a, false);
    let (name, family) = if a.premium { ("Premium", "P") } else { ("Standard", "C") };
    let mut r: RedisResource = serde_json::from_value(json!({
        "id": id_string(i, a, shout),
        "name": format!("cache{i}"),
        "type": "Microsoft.Cache/Redis",
        "location": a.region,
        "properties": {
            "sku": {"name": name, "family": family, "capacity": a.capacity},
            "redisVersion": a.version,
            "shardCount": a.shards,
            "redisConfiguration": {
                "rdb-backup-enabled": a.rdb.to_string(),
                "aof-backup-enabled": a.aof.to_string(),
            },
        }
    }))
    .expect("test caches are valid");
    r.properties.provisioning_state = Some(topology.cache_state(&rid).unwrap_or_else(|| a.state.clone()));
    r.properties.linked_servers = Some(
        topology
            .entries(&rid)
            .iter()
            .map(|e| LinkedServerRef { id: rid.linked_server(&e.peer.name).to_string() })
            .collect(),
    );
    r
}

/// The model: links as (primary, secondary, phase, phase the unlink started from), in creation order.
#[derive(Clone, Debug, PartialEq)]
struct ModelLink {
    primary: usize,
    secondary: usize,
    phase: LinkPhase,
    before_unlink: Option<LinkPhase>,
}

/// The transition table, written out independently of `Topology::apply`. `None` = the link is removed.
fn next(link: &ModelLink, event: LinkEvent) -> Result<Option<LinkPhase>, ()> {
    use LinkEvent as E;
    use LinkPhase as P;
    match (link.phase, event) {
        (P::Creating, E::SyncStarted) => Ok(Some(P::Syncing)),
        (P::Syncing, E::Synced) => Ok(Some(P::Succeeded)),
        (P::Creating | P::Syncing, E::LinkFailed) => Ok(Some(P::Failed)),
        (P::Succeeded | P::Failed, E::UnlinkStarted) => Ok(Some(P::Deleting)),
        (P::Deleting, E::Unlinked) => Ok(None),
        (P::Deleting, E::UnlinkFailed) => Ok(Some(link.before_unlink.expect("Deleting remembers where it came from"))),
        _ => Err(()),
    }
}

/// What the run covered, summed over all cases.
#[derive(Default)]
struct Coverage {
    links_made: Cell<usize>,
    links_refused: Cell<usize>,
    transitions: [Cell<usize>; 6],
    illegal: Cell<usize>,
    no_link: Cell<usize>,
    max_links: Cell<usize>,
}

fn check_invariants(caches: &[Attrs], topology: &Topology, model: &[ModelLink]) -> Result<(), TestCaseError> {
    // The topology holds exactly the model's links.
    let links = topology.links();
    prop_assert_eq!(links.len(), model.len());
    for (l, m) in links.iter().zip(model) {
        prop_assert_eq!(&l.primary, &id(m.primary, &caches[m.primary], false));
        prop_assert_eq!(&l.secondary, &id(m.secondary, &caches[m.secondary], false));
        prop_assert_eq!(l.phase, m.phase);
        prop_assert_eq!(&l.primary_location, caches[m.primary].region);
        prop_assert_eq!(&l.secondary_location, caches[m.secondary].region);
    }
    for (i, a) in caches.iter().enumerate() {
        let rid = id(i, a, false);
        // No cache is ever in two links.
        let n = links.iter().filter(|l| l.involves(&rid)).count();
        prop_assert!(n <= 1, "cache{} is in {} links: {:?}", i, n, links);
        let entries = topology.entries(&rid);
        let Some(link) = topology.link_of(&rid) else {
            prop_assert!(entries.is_empty(), "cache{} has entries but no link", i);
            prop_assert_eq!(topology.cache_state(&rid), None);
            continue;
        };
        // One entry, mirrored on each side.
        prop_assert_eq!(entries.len(), 1);
        let e = &entries[0];
        let (peer, peer_location, role) = if link.primary == rid {
            (&link.secondary, &link.secondary_location, ReplicationRole::Secondary)
        } else {
            (&link.primary, &link.primary_location, ReplicationRole::Primary)
        };
        prop_assert_eq!(&e.server_role, &role);
        prop_assert_eq!(&e.peer, peer);
        prop_assert!(e.peer != rid);
        prop_assert_eq!(&e.peer_location, peer_location);
        prop_assert_eq!(e.phase, link.phase);
        prop_assert_eq!(&e.primary_host_name, &host_name(&link.primary.name));
        prop_assert_eq!(&e.geo_replicated_primary_host_name, &geo_primary_host_name(&peer.name));
        let peer_entries = topology.entries(peer);
        prop_assert_eq!(peer_entries.len(), 1);
        prop_assert_eq!(&peer_entries[0].peer, &rid);
        prop_assert_eq!(&peer_entries[0].server_role, &role.mirrored());
        // Both caches show the link's operation.
        let expected = match link.phase {
            LinkPhase::Creating | LinkPhase::Syncing => Some(ProvisioningState::Linking),
            LinkPhase::Deleting => Some(ProvisioningState::Unlinking),
            LinkPhase::Succeeded | LinkPhase::Failed => None,
        };
        prop_assert_eq!(topology.cache_state(&rid), expected.clone());
        prop_assert_eq!(topology.cache_state(peer), expected);
    }
    Ok(())
}

fn run(caches: &[Attrs], ops: &[Op], cov: &Coverage) -> Result<(), TestCaseError> {
    let mut topology = Topology::default();
    let mut model: Vec<ModelLink> = Vec::new();
    for op in ops {
        let before = topology.clone();
        match *op {
            Op::Begin { primary, secondary, shout } => {
                let p = render(primary, &caches[primary], &topology, shout);
                let s = render(secondary, &caches[secondary], &topology, false);
                let reasons = compatibility(&p, &s, &topology);
                // The console, knowing only the rendered resources, reaches the same verdict.
                prop_assert_eq!(&compatibility(&p, &s, &FromResources), &reasons, "worlds disagree");
                match topology.begin_link(&p, &s) {
                    Ok(link) => {
                        prop_assert!(reasons.is_empty(), "linked despite {:?}", reasons);
                        prop_assert_eq!(link.phase, LinkPhase::Creating);
                        prop_assert_eq!(&link.primary, &id(primary, &caches[primary], false));
                        prop_assert_eq!(&link.secondary, &id(secondary, &caches[secondary], false));
                        prop_assert!(primary != secondary);
                        prop_assert!(model.iter().all(|m| ![m.primary, m.secondary].contains(&primary)
                            && ![m.primary, m.secondary].contains(&secondary)));
                        model.push(ModelLink { primary, secondary, phase: LinkPhase::Creating, before_unlink: None });
                        cov.links_made.set(cov.links_made.get() + 1);
                    }
                    Err(TransitionError::Incompatible(got)) => {
                        prop_assert!(!reasons.is_empty(), "refused a compatible pair");
                        prop_assert_eq!(got, reasons);
                        prop_assert_eq!(&topology, &before);
                        cov.links_refused.set(cov.links_refused.get() + 1);
                    }
                    Err(other) => return Err(TestCaseError::fail(format!("begin_link: unexpected {other:?}"))),
                }
            }
            Op::Apply { cache, event, shout } => {
                let rid = id(cache, &caches[cache], shout);
                let result = topology.apply(&rid, event);
                let Some(k) = model.iter().position(|m| m.primary == cache || m.secondary == cache) else {
                    prop_assert_eq!(result, Err(TransitionError::NoSuchLink));
                    prop_assert_eq!(&topology, &before);
                    cov.no_link.set(cov.no_link.get() + 1);
                    continue;
                };
                match (next(&model[k], event), result) {
                    (Ok(Some(phase)), Ok(Some(link))) => {
                        prop_assert_eq!(link.phase, phase);
                        let from = model[k].phase;
                        model[k].before_unlink = (phase == LinkPhase::Deleting).then_some(from);
                        model[k].phase = phase;
                        let slot = EVENTS.iter().position(|e| *e == event).expect("known event");
                        cov.transitions[slot].set(cov.transitions[slot].get() + 1);
                    }
                    (Ok(None), Ok(None)) => {
                        model.remove(k);
                        cov.transitions[4].set(cov.transitions[4].get() + 1);
                    }
                    (Err(()), Err(TransitionError::Illegal { from, event: e })) => {
                        prop_assert_eq!(from, model[k].phase);
                        prop_assert_eq!(e, event);
                        prop_assert_eq!(&topology, &before);
                        cov.illegal.set(cov.illegal.get() + 1);
                    }
                    (want, got) => {
                        return Err(TestCaseError::fail(format!(
                            "{event:?} on {:?}: the table says {want:?}, apply gave {got:?}",
                            model[k]
                        )));
                    }
                }
            }
        }
        check_invariants(caches, &topology, &model)?;
        cov.max_links.set(cov.max_links.get().max(model.len()));
    }
    // The topology survives the emulator's state file.
    let json = serde_json::to_string(&topology).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: Topology = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(back, topology);
    Ok(())
}

#[test]
fn random_operation_sequences_keep_the_topology_consistent() {
    let mut runner = TestRunner::new(Config { failure_persistence: None, ..Config::with_cases(512) });
    let cov = Coverage::default();
    let result = runner.run(&scenario(), |(caches, ops)| run(&caches, &ops, &cov));
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "links made {}, refused {}; illegal events {}, events without a link {}; transitions {:?}",
        cov.links_made.get(),
        cov.links_refused.get(),
        cov.illegal.get(),
        cov.no_link.get(),
        EVENTS.iter().zip(&cov.transitions).map(|(e, n)| (e, n.get())).collect::<Vec<_>>()
    );
    // The run reached every corner, or the properties above say little.
    assert!(cov.links_made.get() > 100, "only {} links made", cov.links_made.get());
    assert!(cov.links_refused.get() > 100, "only {} links refused", cov.links_refused.get());
    assert!(cov.illegal.get() > 100, "only {} illegal transitions", cov.illegal.get());
    assert!(cov.no_link.get() > 100, "only {} events without a link", cov.no_link.get());
    for (event, n) in EVENTS.iter().zip(&cov.transitions) {
        assert!(n.get() > 10, "{event:?} applied only {} times", n.get());
    }
    assert!(cov.max_links.get() >= 2, "never more than {} link at once", cov.max_links.get());
}

#[test]
fn a_cache_is_never_linked_twice_even_when_every_rule_else_allows_it() {
    // Three identical, compatible caches in three regions: after 0 -> 1, neither 0 nor 1 can take part in
    // another link, in any role, whatever the link's phase; 2 can only be linked once they are unlinked.
    let a = |region| Attrs {
        premium: true,
        other_subscription: false,
        region,
        capacity: 1,
        shards: 0,
        version: "6.0",
        rdb: false,
        aof: false,
        state: ProvisioningState::Succeeded,
    };
    let caches = [a("East US"), a("West Europe"), a("Japan East")];
    let mut t = Topology::default();
    let r = |i: usize, t: &Topology| render(i, &caches[i], t, false);
    t.begin_link(&r(0, &t), &r(1, &t)).expect("compatible");
    let c0 = id(0, &caches[0], false);
    let phases = [
        None,
        Some(LinkEvent::SyncStarted),
        Some(LinkEvent::Synced),
        Some(LinkEvent::UnlinkStarted),
        Some(LinkEvent::UnlinkFailed),
        Some(LinkEvent::UnlinkStarted),
    ];
    for event in phases {
        if let Some(event) = event {
            t.apply(&c0, event).expect("legal");
        }
        for (p, s) in [(0, 2), (2, 0), (1, 2), (2, 1), (0, 1), (1, 0)] {
            let res = t.begin_link(&r(p, &t), &r(s, &t));
            assert!(matches!(res, Err(TransitionError::Incompatible(_))), "{p} -> {s} after {event:?}: {res:?}");
        }
        assert_eq!(t.links().len(), 1);
    }
    t.apply(&c0, LinkEvent::Unlinked).expect("unlinked");
    assert!(t.links().is_empty());
    t.begin_link(&r(2, &t), &r(1, &t)).expect("free again");
}
