use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const SHAPE: &str = "expected /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/redisEnterprise/{cluster}[/databases/{db}]";

/// The id of a Managed Redis cluster or of one of its databases:
/// `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/redisEnterprise/{c}[/databases/{d}]`.
///
/// As [`crate::arm::ResourceId`]: parsing ignores the case of the fixed segments, equality ignores case,
/// printing uses the service's spelling.
#[derive(Clone, Debug)]
pub struct EnterpriseId {
    pub subscription: String,
    pub resource_group: String,
    pub cluster: String,
    pub database: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{id}' is not a Microsoft.Cache/redisEnterprise resource id: {why}")]
pub struct EnterpriseIdError {
    pub id: String,
    pub why: &'static str,
}

impl EnterpriseId {
    pub fn cluster(subscription: &str, resource_group: &str, cluster: &str) -> Self {
        EnterpriseId {
            subscription: subscription.to_string(),
            resource_group: resource_group.to_string(),
            cluster: cluster.to_string(),
            database: None,
        }
    }

    /// The id of this cluster's database `name`.
    pub fn database(&self, name: &str) -> Self {
        EnterpriseId { database: Some(name.to_string()), ..self.cluster_id() }
    }

    /// The cluster this id belongs to (itself, for a cluster id).
    pub fn cluster_id(&self) -> Self {
        EnterpriseId { database: None, ..self.clone() }
    }

    /// A lower-case form, for maps keyed by id.
    pub fn key(&self) -> String {
        self.to_string().to_ascii_lowercase()
    }

    pub fn parse(id: &str) -> Result<Self, EnterpriseIdError> {
        let err = |why| EnterpriseIdError { id: id.to_string(), why };
        let rest = id.strip_prefix('/').ok_or(err("it must start with '/'"))?;
        let segs: Vec<&str> = rest.split('/').collect();
        if segs.len() != 8 && segs.len() != 10 {
            return Err(err(SHAPE));
        }
        let fixed = [
            (0, "subscriptions"),
            (2, "resourceGroups"),
            (4, "providers"),
            (5, "Microsoft.Cache"),
            (6, "redisEnterprise"),
        ];
        if fixed.iter().any(|(i, want)| !segs[*i].eq_ignore_ascii_case(want)) {
            return Err(err(SHAPE));
        }
        if segs.len() == 10 && !segs[8].eq_ignore_ascii_case("databases") {
            return Err(err("the only child resource here is databases"));
        }
        let names = [segs[1], segs[3], segs[7]];
        if names.iter().any(|s| s.is_empty()) || (segs.len() == 10 && segs[9].is_empty()) {
            return Err(err("a name segment is empty"));
        }
        Ok(EnterpriseId {
            subscription: segs[1].to_string(),
            resource_group: segs[3].to_string(),
            cluster: segs[7].to_string(),
            database: (segs.len() == 10).then(|| segs[9].to_string()),
        })
    }
}

impl fmt::Display for EnterpriseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redisEnterprise/{}",
            self.subscription, self.resource_group, self.cluster
        )?;
        if let Some(d) = &self.database {
            write!(f, "/databases/{d}")?;
        }
        Ok(())
    }
}

impl FromStr for EnterpriseId {
    type Err = EnterpriseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EnterpriseId::parse(s)
    }
}

impl PartialEq for EnterpriseId {
    fn eq(&self, other: &Self) -> bool {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        same(&self.cluster, &other.cluster)
            && same(&self.resource_group, &other.resource_group)
            && same(&self.subscription, &other.subscription)
            && match (&self.database, &other.database) {
                (None, None) => true,
                (Some(a), Some(b)) => same(a, b),
                _ => false,
            }
    }
}

impl Eq for EnterpriseId {}

/// Consistent with `eq`: the lower-cased bytes of each segment, a separator after each.
impl Hash for EnterpriseId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut segment = |s: &str| {
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
            state.write_u8(b'/');
        };
        segment(&self.subscription);
        segment(&self.resource_group);
        segment(&self.cluster);
        if let Some(d) = &self.database {
            segment(d);
        }
    }
}

impl Serialize for EnterpriseId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnterpriseId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EnterpriseId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_with_service_spelling() {
        let c = EnterpriseId::parse("/subscriptions/s1/resourcegroups/rg/providers/microsoft.cache/redisenterprise/c1")
            .unwrap();
        assert_eq!(c.to_string(), "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c1");
        let d = EnterpriseId::parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c1/DATABASES/default",
        )
        .unwrap();
        assert_eq!(d.database.as_deref(), Some("default"));
        assert_eq!(d.cluster_id(), c);
        assert_eq!(c.database("DEFAULT"), d);
        assert_ne!(c, d);
    }

    #[test]
    fn hash_agrees_with_equality() {
        use std::collections::hash_map::DefaultHasher;
        let h = |id: &EnterpriseId| {
            let mut s = DefaultHasher::new();
            id.hash(&mut s);
            s.finish()
        };
        let a = EnterpriseId::cluster("S1", "RG", "Cache-A").database("Default");
        let b = EnterpriseId::cluster("s1", "rg", "cache-a").database("default");
        assert_eq!(a, b);
        assert_eq!(h(&a), h(&b));
        let c = EnterpriseId::cluster("s1", "rgc", "ache-a").database("default");
        assert_ne!(h(&b), h(&c));
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/n",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/Redis/n",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/n/linkedServers/x",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/n/databases/",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/n/databases/d/x",
            "/subscriptions//resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/n",
        ] {
            assert!(EnterpriseId::parse(bad).is_err(), "{bad} parsed");
        }
    }
}
