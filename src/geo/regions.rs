/// A continent-scale geography: bandwidth between two regions is priced and paced by these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Geography {
    NorthAmerica,
    SouthAmerica,
    Europe,
    Asia,
    Australia,
    MiddleEastAfrica,
}

/// (display name, geography). The names are the `location` strings ARM returns.
const REGIONS: &[(&str, Geography)] = &[
    ("East US", Geography::NorthAmerica),
    ("East US 2", Geography::NorthAmerica),
    ("West US", Geography::NorthAmerica),
    ("West US 2", Geography::NorthAmerica),
    ("West US 3", Geography::NorthAmerica),
    ("Central US", Geography::NorthAmerica),
    ("North Central US", Geography::NorthAmerica),
    ("South Central US", Geography::NorthAmerica),
    ("West Central US", Geography::NorthAmerica),
    ("Canada Central", Geography::NorthAmerica),
    ("Canada East", Geography::NorthAmerica),
    ("Brazil South", Geography::SouthAmerica),
    ("North Europe", Geography::Europe),
    ("West Europe", Geography::Europe),
    ("UK South", Geography::Europe),
    ("UK West", Geography::Europe),
    ("France Central", Geography::Europe),
    ("Germany West Central", Geography::Europe),
    ("Sweden Central", Geography::Europe),
    ("Switzerland North", Geography::Europe),
    ("Norway East", Geography::Europe),
    ("East Asia", Geography::Asia),
    ("Southeast Asia", Geography::Asia),
    ("Japan East", Geography::Asia),
    ("Japan West", Geography::Asia),
    ("Korea Central", Geography::Asia),
    ("Central India", Geography::Asia),
    ("South India", Geography::Asia),
    ("Australia East", Geography::Australia),
    ("Australia Southeast", Geography::Australia),
    ("UAE North", Geography::MiddleEastAfrica),
    ("South Africa North", Geography::MiddleEastAfrica),
];

/// Every region georep knows, by display name.
pub fn known_regions() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|(name, _)| *name)
}

/// `"East US"`, `"eastus"` and `"EASTUS"` are one region: compare without spaces or case.
pub fn same_region(a: &str, b: &str) -> bool {
    // Allocates nothing for ASCII names: maps look their regions up on every frame, and the fleet's
    // Geo-replication view for every cache.
    if a.is_ascii() && b.is_ascii() {
        return ascii_key(a).eq(ascii_key(b));
    }
    normalize(a) == normalize(b)
}

fn ascii_key(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().filter(|c| !char::from(*c).is_whitespace()).map(|c| c.to_ascii_lowercase())
}

/// The form [`same_region`] compares: one key per region, whatever the spelling (for grouping).
pub fn region_key(region: &str) -> String {
    normalize(region)
}

fn normalize(region: &str) -> String {
    region.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// The display name of a region given in any spelling, or the input when unknown.
pub fn region_display_name(region: &str) -> String {
    REGIONS
        .iter()
        .find(|(name, _)| same_region(name, region))
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| region.to_string())
}

/// The geography of a region; unknown regions count as their own (North America is only a guess,
/// so they are priced as intercontinental by `cost`).
pub fn geography(region: &str) -> Option<Geography> {
    REGIONS.iter().find(|(name, _)| same_region(name, region)).map(|(_, g)| *g)
}

/// Every region georep knows: display name and geography.
pub fn regions_with_geography() -> impl Iterator<Item = (&'static str, Geography)> {
    REGIONS.iter().copied()
}
