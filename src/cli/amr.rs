//! `georep amr ...`: Azure Managed Redis (`Microsoft.Cache/redisEnterprise`) and its active
//! geo-replication, mirroring `az redisenterprise list` and `az redisenterprise database
//! force-unlink | force-link-to-replication-group | flush`:
//!
//! - `georep amr list [-g RG]`: the clusters, with their database's group;
//! - `georep amr group show --cluster C -g RG`: the group of a cluster's database, every member;
//! - `georep amr force-unlink --cluster C -g RG --unlink-ids ID...`;
//! - `georep amr force-link --cluster C -g RG --group-nickname N --linked-databases ID...`;
//! - `georep amr flush --cluster C -g RG [--linked-ids ID...]`.
//!
//! The same backends, `--output`, progress and exit codes as the passive commands. A member is given as
//! a database resource id (as az takes it, `id=` prefix allowed) or as its cluster's name, which is
//! looked up among the group's members (else taken in the cluster's own subscription and resource
//! group, database `default`). Every name is checked before anything is sent.

mod actions;
mod group;
mod list;

use clap::{Args, Subcommand};

use crate::arm::enterprise::{Database, EnterpriseId};
use crate::client::names::{cluster_name_problem, database_name_problem, resource_group_problem, subscription_problem};

use super::{Common, Failure, Session, args as check};

pub use actions::{FlushArgs, ForceLinkArgs, ForceUnlinkArgs};
pub use group::GroupCommand;
pub use list::ListArgs;

#[derive(Subcommand, Debug)]
pub enum AmrCommand {
    /// Azure Managed Redis clusters of a resource group, or of the subscription(s), with their
    /// database's active geo-replication group (`az redisenterprise list`).
    List(ListArgs),
    /// The active geo-replication group of a cluster's database.
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Remove unreachable members from the group (`az redisenterprise database force-unlink`). A
    /// removed member rejoins only by force-link (its data discarded) or by being recreated.
    ForceUnlink(ForceUnlinkArgs),
    /// Recreate a cluster's database into a group, DISCARDING ITS DATA (`az redisenterprise database
    /// force-link-to-replication-group`).
    ForceLink(ForceLinkArgs),
    /// Clear a database and the linked ones named, DISCARDING THEIR DATA (`az redisenterprise database
    /// flush`). FLUSHALL and FLUSHDB are refused on group members: this is the way.
    Flush(FlushArgs),
}

impl AmrCommand {
    pub fn common(&self) -> &Common {
        match self {
            AmrCommand::List(a) => &a.common,
            AmrCommand::Group { command: GroupCommand::Show(a) } => &a.common,
            AmrCommand::ForceUnlink(a) => &a.common,
            AmrCommand::ForceLink(a) => &a.common,
            AmrCommand::Flush(a) => &a.common,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            AmrCommand::List(_) => "amr list",
            AmrCommand::Group { command: GroupCommand::Show(_) } => "amr group show",
            AmrCommand::ForceUnlink(_) => "amr force-unlink",
            AmrCommand::ForceLink(_) => "amr force-link",
            AmrCommand::Flush(_) => "amr flush",
        }
    }

    pub async fn run(self, endpoint: Option<&str>) -> Result<(), Failure> {
        match self {
            AmrCommand::List(a) => list::list(a, endpoint).await,
            AmrCommand::Group { command: GroupCommand::Show(a) } => group::show(a, endpoint).await,
            AmrCommand::ForceUnlink(a) => actions::force_unlink(a, endpoint).await,
            AmrCommand::ForceLink(a) => actions::force_link(a, endpoint).await,
            AmrCommand::Flush(a) => actions::flush(a, endpoint).await,
        }
    }
}

/// The database a command acts on: `--cluster`, `-g`, `--database`.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// The Managed Redis cache (cluster).
    #[arg(long, visible_alias = "cluster-name", value_name = "CLUSTER")]
    pub cluster: String,
    /// Its resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: String,
    /// The database of the cluster.
    #[arg(long, visible_alias = "database-name", value_name = "DB", default_value = crate::client::DEFAULT_DATABASE)]
    pub database: String,
}

fn refuse(flag: &str, value: &str, problem: String) -> Failure {
    Failure::usage(format!("{flag}: '{}' is not valid: {problem}", value.escape_debug()))
}

impl Target {
    /// Every name checked against Azure's rules.
    pub fn check(&self) -> Result<(), Failure> {
        if let Some(p) = cluster_name_problem(&self.cluster) {
            return Err(refuse("--cluster", &self.cluster, p));
        }
        check::resource_group("--resource-group", &self.resource_group)?;
        match database_name_problem(&self.database) {
            Some(p) => Err(refuse("--database", &self.database, p)),
            None => Ok(()),
        }
    }

    /// Finds the database in the subscriptions to look in: its id as the service spells it, and its body.
    pub async fn find(&self, session: &Session) -> Result<(EnterpriseId, Database), Failure> {
        let what = format!(
            "cannot get the database '{}' of the cluster '{}' in resource group '{}'",
            self.database, self.cluster, self.resource_group
        );
        let (sub, db) = session
            .in_first_subscription(&what, |sub| {
                let id = EnterpriseId::cluster(&sub, &self.resource_group, &self.cluster).database(&self.database);
                let client = &session.client;
                async move { client.get_database(&id).await }
            })
            .await?;
        let fallback = EnterpriseId::cluster(&sub, &self.resource_group, &self.cluster).database(&self.database);
        Ok((db.database_id().unwrap_or(fallback), db))
    }
}

/// A member as given on the command line: a database id, or a cluster's name.
#[derive(Clone, Debug, PartialEq)]
pub enum MemberArg {
    Id(EnterpriseId),
    Cluster(String),
}

/// Checks a member given to `flag`: a database id (an az-style `id=` prefix is dropped) whose every
/// part follows the rules, or a cluster name.
pub fn member(flag: &str, value: &str) -> Result<MemberArg, Failure> {
    let value = value.trim();
    let value = value.strip_prefix("id=").unwrap_or(value);
    if !value.starts_with('/') {
        return match cluster_name_problem(value) {
            Some(p) => Err(refuse(flag, value, format!("give a database resource id or a cluster name: {p}"))),
            None => Ok(MemberArg::Cluster(value.to_string())),
        };
    }
    let id = EnterpriseId::parse(value).map_err(|e| Failure::usage(format!("{flag}: {e}")))?;
    let part = |what: &str, problem: Option<String>| match problem {
        Some(p) => Err(refuse(flag, value, format!("its {what}: {p}"))),
        None => Ok(()),
    };
    part("subscription", subscription_problem(&id.subscription))?;
    part("resource group", resource_group_problem(&id.resource_group))?;
    part("cluster name", cluster_name_problem(&id.cluster))?;
    let Some(database) = id.database.as_deref() else {
        return Err(Failure::usage(format!(
            "{flag}: '{value}' is a cluster's id: give its database's (…/databases/default)"
        )));
    };
    part("database name", database_name_problem(database))?;
    Ok(MemberArg::Id(id))
}

/// The members `values` name, resolved: ids as given; a cluster name to the group member of that
/// cluster (`members`, the ids the database lists), else to the database `default` of that cluster in
/// `near`'s subscription and resource group.
pub fn resolve(
    flag: &str,
    values: &[MemberArg],
    members: &[EnterpriseId],
    near: &EnterpriseId,
) -> Result<Vec<EnterpriseId>, Failure> {
    let mut out: Vec<EnterpriseId> = Vec::new();
    for v in values {
        let id = match v {
            MemberArg::Id(id) => id.clone(),
            MemberArg::Cluster(name) => {
                let found: Vec<&EnterpriseId> =
                    members.iter().filter(|m| m.cluster.eq_ignore_ascii_case(name)).collect();
                match found.as_slice() {
                    [one] => (*one).clone(),
                    [] => EnterpriseId::cluster(&near.subscription, &near.resource_group, name)
                        .database(crate::client::DEFAULT_DATABASE),
                    many => {
                        let ids: Vec<String> = many.iter().map(ToString::to_string).collect();
                        return Err(Failure::usage(format!(
                            "{flag}: several members of the group are on clusters named '{name}': give the id of the \
                             one meant ({})",
                            ids.join(", ")
                        )));
                    }
                }
            }
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The ids a database lists as its group's members (itself included), parsed.
pub fn member_ids(db: &Database) -> Vec<EnterpriseId> {
    db.linked_databases().iter().filter_map(|l| l.database_id()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "11111111-2222-3333-4444-555555555555";

    fn usage(r: Result<MemberArg, Failure>) -> String {
        match r {
            Err(Failure::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn members_are_database_ids_or_cluster_names() {
        let id = format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c/databases/default"
        );
        assert!(matches!(member("--unlink-ids", &id), Ok(MemberArg::Id(_))));
        assert!(matches!(member("--unlink-ids", &format!("id={id}")), Ok(MemberArg::Id(_))));
        assert_eq!(member("--unlink-ids", "amr-weu").ok(), Some(MemberArg::Cluster("amr-weu".into())));
        assert!(usage(member("--unlink-ids", "a/b")).starts_with("--unlink-ids: 'a/b' is not valid"));
        assert!(usage(member("--unlink-ids", "../x")).contains("is not valid"));
        let cluster_only =
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c");
        assert!(usage(member("--linked-ids", &cluster_only)).contains("a cluster's id"));
        let bad_db = format!("{cluster_only}/databases/d%3F");
        assert!(usage(member("--linked-ids", &bad_db)).contains("its database name"));
        let bad_sub =
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c/databases/default";
        assert!(usage(member("--linked-ids", bad_sub)).contains("its subscription"));
    }

    #[test]
    fn names_resolve_to_group_members_first() {
        let near = EnterpriseId::cluster(SUB, "rg", "here").database("default");
        let member = EnterpriseId::cluster(SUB, "rg-weu", "amr-weu").database("default");
        let got = resolve(
            "--unlink-ids",
            &[MemberArg::Cluster("AMR-WEU".into()), MemberArg::Cluster("other".into()), MemberArg::Id(member.clone())],
            &[near.clone(), member.clone()],
            &near,
        )
        .unwrap();
        assert_eq!(got, [member, EnterpriseId::cluster(SUB, "rg", "other").database("default")]);
        let twin = EnterpriseId::cluster(SUB, "rg-x", "amr-weu").database("default");
        let twins = [EnterpriseId::cluster(SUB, "rg-weu", "amr-weu").database("default"), twin];
        assert!(matches!(
            resolve("--unlink-ids", &[MemberArg::Cluster("amr-weu".into())], &twins, &near),
            Err(Failure::Usage(m)) if m.contains("several members")
        ));
    }
}
