//! Names as Azure allows them, checked before anything is sent, and path segments encoded so that no
//! name can address another resource.
//!
//! The rules are Azure's own: a cache name (and so a linked server's name, which is the name of the
//! cache on the other end) is 1 to 63 letters, digits and hyphens, starting and ending with a letter
//! or digit, with no two hyphens in a row (a Managed Redis cluster or database name alike, up to 60); a
//! resource group is 1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not ending
//! in a period; a subscription id is a GUID.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::ClientError;

/// Everything but RFC 3986's unreserved characters is escaped in a path segment: `/`, `?`, `#` and
/// `%` in a name stay inside it.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `name` as one path segment. Refuses the segments a URL parser removes or merges whatever their
/// encoding (empty, `.`, `..`, and `%2e` spellings of them), which no escaping can keep in place.
pub(crate) fn segment(name: &str) -> Result<String, ClientError> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(ClientError::InvalidName(format!("'{name}' cannot be a name in a resource path")));
    }
    Ok(utf8_percent_encode(name, SEGMENT).to_string())
}

/// Why `name` is not a valid cache name, or `None` when it is one.
pub fn cache_name_problem(name: &str) -> Option<String> {
    hyphenated_name_problem("a cache name", name, 63)
}

/// Why `name` is not a valid Azure Managed Redis cluster name, or `None` when it is one: the spec's
/// `^(?=.{1,60}$)[A-Za-z0-9]+(-[A-Za-z0-9]+)*$` (api-version 2025-07-01, `clusterName`).
pub fn cluster_name_problem(name: &str) -> Option<String> {
    hyphenated_name_problem("a cluster name", name, 60)
}

/// Why `name` is not a valid name for a database of a cluster, or `None`: the same pattern as a
/// cluster's (`databaseName`).
pub fn database_name_problem(name: &str) -> Option<String> {
    hyphenated_name_problem("a database name", name, 60)
}

/// 1 to `max` letters, digits and hyphens, starting and ending with a letter or digit, no two hyphens
/// in a row; `what` names it in the message.
fn hyphenated_name_problem(what: &str, name: &str, max: usize) -> Option<String> {
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Some(format!("{what} has only letters, digits and hyphens; '{}' is not one", c.escape_debug()));
    }
    let n = name.chars().count();
    if n == 0 || n > max {
        return Some(format!("{what} is 1 to {max} characters long; this one has {n}"));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some(format!("{what} starts and ends with a letter or digit"));
    }
    if name.contains("--") {
        return Some(format!("{what} has no two hyphens in a row"));
    }
    None
}

/// Why `name` is not a valid resource group name, or `None` when it is one.
pub fn resource_group_problem(name: &str) -> Option<String> {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')');
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "a resource group name has only letters, digits, underscores, hyphens, periods and parentheses; '{}' \
             is not one",
            c.escape_debug()
        ));
    }
    let n = name.chars().count();
    if n == 0 || n > 90 {
        return Some(format!("a resource group name is 1 to 90 characters long; this one has {n}"));
    }
    if name.ends_with('.') {
        return Some("a resource group name does not end with a period".into());
    }
    None
}

/// Why `id` is not a subscription id (a GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`), or `None`.
pub fn subscription_problem(id: &str) -> Option<String> {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == lengths.len()
        && groups.iter().zip(lengths).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    (!ok).then(|| "a subscription id is a GUID, like 00000000-0000-0000-0000-000000000000".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_every_name_in_its_place() {
        assert_eq!(segment("contoso-prod-eus").unwrap(), "contoso-prod-eus");
        assert_eq!(segment("../../x").unwrap(), "..%2F..%2Fx");
        assert_eq!(segment("cache?x=1").unwrap(), "cache%3Fx%3D1");
        assert_eq!(segment("a#b%c d").unwrap(), "a%23b%25c%20d");
        assert_eq!(segment("rg(1).x_y~").unwrap(), "rg%281%29.x_y~");
        for bad in ["", ".", ".."] {
            assert!(matches!(segment(bad), Err(ClientError::InvalidName(_))), "{bad:?}");
        }
    }

    #[test]
    fn cache_names_follow_azure() {
        for good in ["a", "contoso-prod-eus", "A1-b2", &"x".repeat(63)] {
            assert_eq!(cache_name_problem(good), None, "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "a_b", "a.b", "a/b", "..", "cache?x=1", "é", &"x".repeat(64)] {
            assert!(cache_name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn cluster_and_database_names_follow_the_spec() {
        for good in ["c", "contoso-amr-eus", "default", "A1-b2", &"x".repeat(60)] {
            assert_eq!(cluster_name_problem(good), None, "{good}");
            assert_eq!(database_name_problem(good), None, "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "a_b", "a.b", "a/b", "..", "c?x=1", "a#b", "a%2F", "é", &"x".repeat(61)] {
            assert!(cluster_name_problem(bad).is_some(), "{bad:?}");
            assert!(database_name_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(
            cluster_name_problem("a/b").as_deref(),
            Some("a cluster name has only letters, digits and hyphens; '/' is not one")
        );
    }

    #[test]
    fn resource_groups_follow_azure() {
        for good in ["rg", "rg-contoso_prod.(1)", "ñandú", &"g".repeat(90)] {
            assert_eq!(resource_group_problem(good), None, "{good}");
        }
        for bad in ["", "rg.", "..", "a/b", "a b", "a?b", "a%2Fb", &"g".repeat(91)] {
            assert!(resource_group_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn subscriptions_are_guids() {
        assert_eq!(subscription_problem("11111111-2222-3333-4444-555555555555"), None);
        assert_eq!(subscription_problem("AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee"), None);
        for bad in ["", "subid", "11111111-2222-3333-4444-55555555555", "1111111122223333444455555555555g", "../x"] {
            assert!(subscription_problem(bad).is_some(), "{bad:?}");
        }
    }
}
