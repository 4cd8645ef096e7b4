//! `georep amr group show --cluster C -g RG [--database DB]`: the active geo-replication group of a
//! cluster's database, as the portal's Active geo-replication blade lists it: the nickname, and each
//! member's cache, region, SKU and link state.

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::arm::enterprise::{Cluster, Database, EnterpriseId, LinkState};

use super::super::output::{self, or_dash};
use super::super::{Common, Failure, Session};
use super::Target;

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// The group of a cluster's database: its nickname and every member with its state.
    Show(GroupShowArgs),
}

#[derive(Args, Debug)]
pub struct GroupShowArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub common: Common,
}

/// The group as `--output json` prints it: the database as the service returns it, and each member
/// with its cluster's body (`null` when it could not be read: a member in a region that is down).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub group_nickname: Option<String>,
    pub database: Database,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
pub struct MemberView {
    pub id: String,
    pub state: Option<LinkState>,
    pub cluster: Option<Cluster>,
    /// Why `cluster` is `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn show(args: GroupShowArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    args.target.check()?;
    let session = Session::open(&args.common, endpoint, None).await?;
    let (id, database) = args.target.find(&session).await?;
    let view = read_group(&session, database).await;
    output::emit(args.common.output, &view, || details(&id, &view))
}

/// The members' clusters, read at once; one that cannot be read is shown with why.
pub async fn read_group(session: &Session, database: Database) -> GroupView {
    let linked = database.linked_databases().to_vec();
    let client = &session.client;
    let members = futures::future::join_all(linked.into_iter().map(|l| async move {
        let id = l.id.clone().unwrap_or_default();
        let (cluster, error) = match l.database_id() {
            Some(member) => match client.get_cluster(&member).await {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e.to_string())),
            },
            None => (None, Some(format!("'{id}' is not a database id"))),
        };
        MemberView { id, state: l.state, cluster, error }
    }))
    .await;
    GroupView { group_nickname: database.group_nickname().map(str::to_string), database, members }
}

/// The group's essentials, then a row per member.
pub fn details(id: &EnterpriseId, view: &GroupView) -> String {
    let db = &view.database;
    let Some(nickname) = &view.group_nickname else {
        return format!(
            "{}/{} is in no active geo-replication group (a database joins one when it is created, or by force-link)\n",
            id.cluster,
            id.database.as_deref().unwrap_or(crate::client::DEFAULT_DATABASE)
        );
    };
    let healthy = db.properties.data_plane.as_ref().and_then(|d| d.geo_replication_healthy);
    let mut out = output::fields(&[
        ("group", nickname.clone()),
        ("database", id.to_string()),
        ("state", db.provisioning_state().to_string()),
        ("members", view.members.len().to_string()),
        ("geo-replication healthy", or_dash(healthy.map(|h| if h == 1 { "1 (healthy)" } else { "0 (unhealthy)" }))),
    ]);
    out.push('\n');
    let rows: Vec<Vec<String>> = view
        .members
        .iter()
        .map(|m| {
            let member = EnterpriseId::parse(&m.id).ok();
            let this = member.as_ref().is_some_and(|i| i == id);
            let name = member.as_ref().map_or_else(|| m.id.clone(), |i| i.cluster.clone());
            let (location, sku) = match &m.cluster {
                Some(c) => (c.location.clone(), c.sku.label()),
                None => ("-".into(), "-".into()),
            };
            vec![
                if this { format!("{name} (this)") } else { name },
                or_dash(member.map(|i| i.resource_group)),
                location,
                sku,
                or_dash(m.state.as_ref()),
                or_dash(m.error.as_deref()),
            ]
        })
        .collect();
    out.push_str(&output::table(&["CACHE", "RESOURCE GROUP", "LOCATION", "SKU", "STATE", "NOTE"], &rows));
    out
}
