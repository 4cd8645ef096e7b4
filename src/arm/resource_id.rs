use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The id of a cache, or of one of its linked-server entries:
/// `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/Redis/{n}[/linkedServers/{l}]`.
///
/// Parsing ignores the case of the fixed segments (`resourcegroups`, `Microsoft.Cache/redis` ...), and
/// two ids are equal when they differ only in case, as in ARM. Printing uses the service's spelling.
#[derive(Clone, Debug)]
pub struct ResourceId {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub linked_server: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{id}' is not a Microsoft.Cache/Redis resource id: {why}")]
pub struct ResourceIdError {
    pub id: String,
    pub why: &'static str,
}

impl ResourceId {
    pub fn cache(subscription: &str, resource_group: &str, name: &str) -> Self {
        ResourceId {
            subscription: subscription.to_string(),
            resource_group: resource_group.to_string(),
            name: name.to_string(),
            linked_server: None,
        }
    }

    /// The id of this cache's linked-server entry named `linked`.
    pub fn linked_server(&self, linked: &str) -> Self {
        ResourceId { linked_server: Some(linked.to_string()), ..self.cache_id() }
    }

    /// The cache this id belongs to (itself, for a cache id).
    pub fn cache_id(&self) -> Self {
        ResourceId { linked_server: None, ..self.clone() }
    }

    /// A lower-case form, for maps keyed by id.
    pub fn key(&self) -> String {
        self.to_string().to_ascii_lowercase()
    }

    pub fn parse(id: &str) -> Result<Self, ResourceIdError> {
        let err = |why| ResourceIdError { id: id.to_string(), why };
        let rest = id.strip_prefix('/').ok_or(err("it must start with '/'"))?;
        let segs: Vec<&str> = rest.split('/').collect();
        let fixed =
            [(0, "subscriptions"), (2, "resourceGroups"), (4, "providers"), (5, "Microsoft.Cache"), (6, "Redis")];
        if segs.len() != 8 && segs.len() != 10 {
            return Err(err("expected /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/Redis/{name}"));
        }
        for (i, want) in fixed {
            if !segs[i].eq_ignore_ascii_case(want) {
                return Err(err(
                    "expected /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/Redis/{name}",
                ));
            }
        }
        if segs.len() == 10 && !segs[8].eq_ignore_ascii_case("linkedServers") {
            return Err(err("the only child resource is linkedServers"));
        }
        let names = [segs[1], segs[3], segs[7]];
        if names.iter().any(|s| s.is_empty()) || (segs.len() == 10 && segs[9].is_empty()) {
            return Err(err("a name segment is empty"));
        }
        Ok(ResourceId {
            subscription: segs[1].to_string(),
            resource_group: segs[3].to_string(),
            name: segs[7].to_string(),
            linked_server: (segs.len() == 10).then(|| segs[9].to_string()),
        })
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/Redis/{}",
            self.subscription, self.resource_group, self.name
        )?;
        if let Some(l) = &self.linked_server {
            write!(f, "/linkedServers/{l}")?;
        }
        Ok(())
    }
}

impl FromStr for ResourceId {
    type Err = ResourceIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceId::parse(s)
    }
}

/// Equal when every segment is equal ignoring ASCII case, as ARM compares ids. Allocates nothing: it
/// runs per row per frame in the console.
impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        same(&self.name, &other.name)
            && same(&self.resource_group, &other.resource_group)
            && same(&self.subscription, &other.subscription)
            && match (&self.linked_server, &other.linked_server) {
                (None, None) => true,
                (Some(a), Some(b)) => same(a, b),
                _ => false,
            }
    }
}

impl Eq for ResourceId {}

/// Consistent with `eq`: hashes the lower-cased bytes of each segment, with a separator between
/// segments so that moving a character across a boundary changes the hash input.
impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut segment = |s: &str| {
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
            state.write_u8(b'/');
        };
        segment(&self.subscription);
        segment(&self.resource_group);
        segment(&self.name);
        if let Some(l) = &self.linked_server {
            segment(l);
        }
    }
}

impl Serialize for ResourceId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ResourceId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_with_service_spelling() {
        let id = ResourceId::parse("/subscriptions/s1/resourcegroups/rg/providers/microsoft.cache/redis/c1").unwrap();
        assert_eq!(id.to_string(), "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Cache/Redis/c1");
        let l = ResourceId::parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Cache/Redis/c1/linkedservers/c2",
        )
        .unwrap();
        assert_eq!(l.linked_server.as_deref(), Some("c2"));
        assert_eq!(l.cache_id(), id);
        assert_eq!(id.linked_server("c2"), l);
    }

    #[test]
    fn equality_ignores_case() {
        let a = ResourceId::parse("/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Cache/Redis/C1").unwrap();
        let b = ResourceId::parse("/subscriptions/s1/resourcegroups/rg/providers/Microsoft.Cache/redis/c1").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn hash_agrees_with_equality() {
        use std::collections::hash_map::DefaultHasher;
        let h = |id: &ResourceId| {
            let mut s = DefaultHasher::new();
            id.hash(&mut s);
            s.finish()
        };
        let a = ResourceId::cache("S1", "RG", "Cache-A");
        let b = ResourceId::cache("s1", "rg", "cache-a");
        assert_eq!(a, b);
        assert_eq!(h(&a), h(&b));
        // A character moved across a segment boundary is another id, and hashes differently.
        let c = ResourceId::cache("s1", "rgc", "ache-a");
        assert_ne!(b, c);
        assert_ne!(h(&b), h(&c));
        assert_ne!(a, a.linked_server("x"));
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/Redis/n",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/n",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/Redis/n/firewallRules/x",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/Redis/",
            "/subscriptions//resourceGroups/g/providers/Microsoft.Cache/Redis/n",
        ] {
            assert!(ResourceId::parse(bad).is_err(), "{bad} parsed");
        }
    }
}
