use super::{Geography, geography};

/// Inter-region data transfer, US$ per GB, by the source region's geography, after Azure's published
/// bandwidth pricing (within one continent is cheaper than between continents).
fn rate_per_gb(from: &str, to: &str) -> f64 {
    let (Some(a), Some(b)) = (geography(from), geography(to)) else {
        return 0.08;
    };
    if a == b {
        return match a {
            Geography::NorthAmerica | Geography::Europe => 0.02,
            Geography::Asia | Geography::Australia => 0.08,
            Geography::SouthAmerica | Geography::MiddleEastAfrica => 0.16,
        };
    }
    match a {
        Geography::NorthAmerica | Geography::Europe => 0.05,
        Geography::Asia | Geography::Australia => 0.08,
        Geography::SouthAmerica | Geography::MiddleEastAfrica => 0.16,
    }
}

/// Estimated cost of moving `bytes` from `from` to `to`, in US$.
pub fn transfer_cost_usd(bytes: u64, from: &str, to: &str) -> f64 {
    let gb = bytes as f64 / 1e9;
    gb * rate_per_gb(from, to)
}

/// Relative sync speed between two regions: 1.0 within a geography, lower across continents.
pub fn link_speed_factor(from: &str, to: &str) -> f64 {
    match (geography(from), geography(to)) {
        (Some(a), Some(b)) if a == b => 1.0,
        (Some(_), Some(_)) => 0.45,
        _ => 0.3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_an_ocean_costs_more_and_is_slower() {
        let near = transfer_cost_usd(10_000_000_000, "East US", "West US");
        let far = transfer_cost_usd(10_000_000_000, "East US", "West Europe");
        assert!((near - 0.2).abs() < 1e-9);
        assert!(far > near);
        assert!(link_speed_factor("East US", "West Europe") < link_speed_factor("East US", "West US"));
    }
}
