//! Where each Azure region is: latitude and longitude, for the console's region maps.
//!
//! The figures are Azure's own, as `az account list-locations --query "[].{name:name,
//! lat:metadata.latitude, lon:metadata.longitude}"` publishes them (the location metadata of the ARM
//! `GET /subscriptions/{id}/locations` API): the city each region is named after, not a datacenter.
//! A region missing here has no place on a map; everything else about it (listing, filtering) works.

use super::regions::same_region;

/// A point on the globe, in degrees (north and east positive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// (display name, latitude, longitude): every region in `regions::REGIONS`, same spelling.
const COORDINATES: &[(&str, f64, f64)] = &[
    ("East US", 37.3719, -79.8164),
    ("East US 2", 36.6681, -78.3889),
    ("West US", 37.783, -122.417),
    ("West US 2", 47.233, -119.852),
    ("West US 3", 33.448376, -112.074036),
    ("Central US", 41.5908, -93.6208),
    ("North Central US", 41.8819, -87.6278),
    ("South Central US", 29.4167, -98.5),
    ("West Central US", 40.89, -110.234),
    ("Canada Central", 43.653, -79.383),
    ("Canada East", 46.817, -71.217),
    ("Brazil South", -23.55, -46.633),
    ("North Europe", 53.3478, -6.2597),
    ("West Europe", 52.3667, 4.9),
    ("UK South", 50.941, -0.799),
    ("UK West", 53.427, -3.084),
    ("France Central", 46.3772, 2.373),
    ("Germany West Central", 50.110924, 8.682127),
    ("Sweden Central", 60.67488, 17.14127),
    ("Switzerland North", 47.451542, 8.564572),
    ("Norway East", 59.913868, 10.752245),
    ("East Asia", 22.267, 114.188),
    ("Southeast Asia", 1.283, 103.833),
    ("Japan East", 35.68, 139.77),
    ("Japan West", 34.6939, 135.5022),
    ("Korea Central", 37.5665, 126.978),
    ("Central India", 18.5822, 73.9197),
    ("South India", 12.9822, 80.1636),
    ("Australia East", -33.86, 151.2094),
    ("Australia Southeast", -37.8136, 144.9631),
    ("UAE North", 25.266666, 55.316666),
    ("South Africa North", -25.73134, 28.21837),
];

/// Where a region is, given in any spelling (`"West Europe"`, `"westeurope"`); `None` when unknown.
pub fn coordinates(region: &str) -> Option<LatLon> {
    COORDINATES.iter().find(|(name, _, _)| same_region(name, region)).map(|&(_, lat, lon)| LatLon { lat, lon })
}

/// The great-circle distance between two points (haversine, mean Earth radius), rounded to 100 km.
pub fn distance_km(a: LatLon, b: LatLon) -> u64 {
    let (la, lb) = (a.lat.to_radians(), b.lat.to_radians());
    let (dlat, dlon) = (lb - la, (b.lon - a.lon).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
    let km = 2.0 * 6371.0 * h.sqrt().min(1.0).asin();
    ((km / 100.0).round() * 100.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::regions::known_regions;

    #[test]
    fn every_known_region_has_coordinates_on_the_globe() {
        for name in known_regions() {
            let p = coordinates(name).unwrap_or_else(|| panic!("{name} has no coordinates"));
            assert!((-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon), "{name}: {p:?}");
        }
        assert_eq!(COORDINATES.len(), known_regions().count(), "a region here that regions.rs does not know");
    }

    #[test]
    fn any_spelling_finds_a_region_and_unknown_ones_are_none() {
        let weu = coordinates("West Europe");
        assert_eq!(weu, Some(LatLon { lat: 52.3667, lon: 4.9 }));
        assert_eq!(coordinates("westeurope"), weu);
        assert_eq!(coordinates("WESTEUROPE"), weu);
        assert_eq!(coordinates("west europe"), weu);
        assert_eq!(coordinates("Atlantis Central"), None);
        assert_eq!(coordinates(""), None);
    }

    #[test]
    fn distances_are_great_circles() {
        let at = |r: &str| coordinates(r).unwrap_or_else(|| panic!("{r}"));
        // Virginia to Amsterdam is about 6,480 km; a region to itself is 0.
        assert_eq!(distance_km(at("East US"), at("West Europe")), 6500);
        assert_eq!(distance_km(at("East US"), at("East US")), 0);
        assert_eq!(distance_km(at("West Europe"), at("East US")), distance_km(at("East US"), at("West Europe")));
    }

    #[test]
    fn the_figures_put_regions_where_they_are() {
        // Hemispheres and order, so a sign or a swapped pair cannot slip in.
        let at = |r: &str| coordinates(r).unwrap_or_else(|| panic!("{r}"));
        assert!(at("Brazil South").lat < 0.0 && at("Brazil South").lon < 0.0);
        assert!(at("Australia East").lat < 0.0 && at("Australia East").lon > 0.0);
        assert!(at("West US").lon < at("East US").lon);
        assert!(at("North Europe").lon < at("West Europe").lon);
        assert!(at("Japan West").lon < at("Japan East").lon);
        assert!(at("Southeast Asia").lat < at("East Asia").lat);
    }
}
