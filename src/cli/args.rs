//! Names given on the command line, checked against Azure's rules before anything is sent: a wrong one
//! is a usage error (exit 2) that says which argument it is and what is wrong with it.

use crate::arm::ResourceId;
use crate::client::names::{cache_name_problem, resource_group_problem, subscription_problem};

use super::Failure;

fn refuse(flag: &str, value: &str, problem: String) -> Failure {
    Failure::usage(format!("{flag}: '{}' is not valid: {problem}", value.escape_debug()))
}

/// A cache name (also a linked server's name: the cache on the other end).
pub fn cache(flag: &str, value: &str) -> Result<(), Failure> {
    cache_name_problem(value).map_or(Ok(()), |p| Err(refuse(flag, value, p)))
}

pub fn resource_group(flag: &str, value: &str) -> Result<(), Failure> {
    resource_group_problem(value).map_or(Ok(()), |p| Err(refuse(flag, value, p)))
}

/// `--subscription` (or `AZURE_SUBSCRIPTION_ID`), when given.
pub fn subscription(value: Option<&str>) -> Result<(), Failure> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        Some(v) => {
            subscription_problem(v).map_or(Ok(()), |p| Err(refuse("--subscription (or AZURE_SUBSCRIPTION_ID)", v, p)))
        }
        None => Ok(()),
    }
}

/// `--name` and `--resource-group`, as every command that names a cache has them.
pub fn cache_in_group(name: &str, group: &str) -> Result<(), Failure> {
    cache("--name", name)?;
    resource_group("--resource-group", group)
}

/// `--server-to-link`: a cache name, or a cache's resource id whose every part follows the rules.
pub fn peer(value: &str) -> Result<(), Failure> {
    const FLAG: &str = "--server-to-link";
    let value = value.trim();
    if !value.starts_with('/') {
        return cache(FLAG, value);
    }
    let id = ResourceId::parse(value).map_err(|e| Failure::usage(format!("{FLAG}: {e}")))?;
    if id.linked_server.is_some() {
        return Err(Failure::usage(format!("{FLAG}: '{value}' is the id of a linked server, not of a cache")));
    }
    let part = |what: &str, problem: Option<String>| match problem {
        Some(p) => Err(refuse(FLAG, value, format!("its {what}: {p}"))),
        None => Ok(()),
    };
    part("subscription", subscription_problem(&id.subscription))?;
    part("resource group", resource_group_problem(&id.resource_group))?;
    part("cache name", cache_name_problem(&id.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<(), Failure>) -> String {
        match r {
            Err(Failure::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn says_which_argument_is_wrong() {
        let m = message(cache("--linked-server-name", "../../x"));
        assert!(m.starts_with("--linked-server-name: '../../x' is not valid: "), "{m}");
        assert!(message(cache_in_group("cache?x=1", "rg")).starts_with("--name: 'cache?x=1'"));
        assert!(message(cache_in_group("cache", "rg/../x")).starts_with("--resource-group: "));
        assert!(message(subscription(Some("../x"))).starts_with("--subscription (or AZURE_SUBSCRIPTION_ID): "));
        assert!(subscription(None).is_ok() && subscription(Some(" ")).is_ok());
        assert!(cache_in_group("contoso-prod-eus", "rg-contoso-prod").is_ok());
    }

    #[test]
    fn a_peer_is_a_name_or_a_cache_id_with_valid_parts() {
        let sub = "11111111-2222-3333-4444-555555555555";
        assert!(peer("contoso-dr-weu").is_ok());
        assert!(peer(&format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Cache/Redis/c")).is_ok());
        assert!(message(peer("a/b")).starts_with("--server-to-link: 'a/b'"));
        let m = message(peer("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Cache/Redis/c"));
        assert!(m.contains("its subscription"), "{m}");
        let m = message(peer(&format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Cache/Redis/c%2F")));
        assert!(m.contains("its cache name"), "{m}");
        let m = message(peer(&format!(
            "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Cache/Redis/c/linkedServers/d"
        )));
        assert!(m.contains("linked server"), "{m}");
    }
}
