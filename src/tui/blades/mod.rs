//! The portal's surfaces, one file each: state, keys, rendering and mouse targets together.

pub mod compatible_caches;
pub mod context_menu;
pub mod geo_replication;
pub mod help;
pub mod home;
pub mod link_dialog;
pub mod notifications;
pub mod overview;
pub mod properties;
pub mod resource_menu;
pub mod unlink_dialog;

use crate::arm::ResourceId;

use super::action::Effect;
pub use compatible_caches::CompatibleCaches;
pub use link_dialog::LinkDialog;
pub use resource_menu::{CacheBlade, MenuItem};
pub use unlink_dialog::UnlinkDialog;

/// A blade on the stack (Home is always at the bottom).
#[derive(Clone, Debug, PartialEq)]
pub enum Blade {
    Home,
    Cache(CacheBlade),
    Compatible(CompatibleCaches),
    /// A candidate's Overview, read-only.
    Details(ResourceId),
}

/// A modal dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    Link(LinkDialog),
    Unlink(UnlinkDialog),
}

/// What a blade did with a command.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ignored,
    Consumed,
    Open(Blade),
    Back,
    Dialog(Dialog),
    Effect(Effect),
    /// Say something in the notice line (e.g. why a button is disabled).
    Notice(String),
}

/// Something the mouse can hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Click {
    /// A breadcrumb segment: how many blades stay open.
    Crumb(usize),
    Bell,
    Help,
    HomeRow(usize),
    Menu(usize),
    GeoButton(usize),
    GeoRow(usize),
    CompatRow(usize),
    CompatToggle,
    ContextItem(usize),
    DialogConfirm,
    DialogCancel,
}
