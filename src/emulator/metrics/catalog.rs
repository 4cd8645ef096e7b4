//! The metrics the emulator serves: the five geo-replication metrics of `Microsoft.Cache/redis` (names,
//! units, which side emits them: `shared/azure-rest/monitor/redis-geo-metrics.md`) and two load metrics.

/// Which cache of a link emits a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emitter {
    /// Only the geo-primary (no value on the secondary).
    GeoPrimary,
    /// Only the geo-secondary (no value on the primary).
    GeoSecondary,
    /// Every cache, linked or not.
    Every,
}

/// The aggregation a metric is shown with when the query names none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primary {
    Average,
    Total,
}

/// One metric the emulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricName {
    Healthy,
    ConnectivityLag,
    DataSyncOffset,
    FullSyncStarted,
    FullSyncFinished,
    CacheWrite,
    UsedMemory,
}

/// How many metrics a sample holds.
pub const METRICS: usize = 7;

impl MetricName {
    pub const ALL: [MetricName; METRICS] = [
        MetricName::Healthy,
        MetricName::ConnectivityLag,
        MetricName::DataSyncOffset,
        MetricName::FullSyncStarted,
        MetricName::FullSyncFinished,
        MetricName::CacheWrite,
        MetricName::UsedMemory,
    ];

    /// The five geo-replication metrics.
    pub const GEO: [MetricName; 5] = [
        MetricName::Healthy,
        MetricName::ConnectivityLag,
        MetricName::DataSyncOffset,
        MetricName::FullSyncStarted,
        MetricName::FullSyncFinished,
    ];

    /// Its place in a sample.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name in `metricnames=` and in answers.
    pub fn rest_name(self) -> &'static str {
        match self {
            MetricName::Healthy => "GeoReplicationHealthy",
            MetricName::ConnectivityLag => "GeoReplicationConnectivityLag",
            MetricName::DataSyncOffset => "GeoReplicationDataSyncOffset",
            MetricName::FullSyncStarted => "GeoReplicationFullSyncEventStarted",
            MetricName::FullSyncFinished => "GeoReplicationFullSyncEventFinished",
            MetricName::CacheWrite => "cacheWrite",
            MetricName::UsedMemory => "usedmemory",
        }
    }

    /// The portal's display name.
    pub fn display_name(self) -> &'static str {
        match self {
            MetricName::Healthy => "Geo-replication Healthy",
            MetricName::ConnectivityLag => "Geo-replication Connectivity Lag",
            MetricName::DataSyncOffset => "Geo-replication Data Sync Offset",
            MetricName::FullSyncStarted => "Geo-replication Full Sync Event Started",
            MetricName::FullSyncFinished => "Geo-replication Full Sync Event Finished",
            MetricName::CacheWrite => "Cache Write",
            MetricName::UsedMemory => "Used Memory",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            MetricName::Healthy | MetricName::FullSyncStarted | MetricName::FullSyncFinished => "Count",
            MetricName::ConnectivityLag => "Seconds",
            MetricName::DataSyncOffset | MetricName::UsedMemory => "Bytes",
            MetricName::CacheWrite => "BytesPerSecond",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            MetricName::Healthy => {
                "The health of the geo-replication link: 1 when healthy, 0 when disconnected or unhealthy."
            }
            MetricName::ConnectivityLag => "Seconds since the last successful data sync with the geo-primary.",
            MetricName::DataSyncOffset => "Approximate bytes still waiting to be synchronized to the geo-secondary.",
            MetricName::FullSyncStarted => {
                "Emitted when a full synchronization between the geo-replicated caches starts."
            }
            MetricName::FullSyncFinished => {
                "Emitted when a full synchronization between the geo-replicated caches completes."
            }
            MetricName::CacheWrite => "The amount of data written to the cache, in bytes per second.",
            MetricName::UsedMemory => "The amount of cache memory used for key/value pairs in the cache, in bytes.",
        }
    }

    pub fn emitter(self) -> Emitter {
        match self {
            MetricName::DataSyncOffset => Emitter::GeoPrimary,
            MetricName::Healthy
            | MetricName::ConnectivityLag
            | MetricName::FullSyncStarted
            | MetricName::FullSyncFinished => Emitter::GeoSecondary,
            MetricName::CacheWrite | MetricName::UsedMemory => Emitter::Every,
        }
    }

    pub fn primary_aggregation(self) -> Primary {
        match self {
            MetricName::FullSyncStarted | MetricName::FullSyncFinished => Primary::Total,
            _ => Primary::Average,
        }
    }

    /// `name` as `metricnames=` gives it, compared without case.
    pub fn parse(name: &str) -> Option<MetricName> {
        Self::ALL.into_iter().find(|m| m.rest_name().eq_ignore_ascii_case(name.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_without_case_and_index_their_sample() {
        for (i, m) in MetricName::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(MetricName::parse(&m.rest_name().to_ascii_lowercase()), Some(m));
        }
        assert_eq!(MetricName::parse("UsedMemory"), Some(MetricName::UsedMemory));
        assert_eq!(MetricName::parse("GeoReplicationNope"), None);
    }

    #[test]
    fn the_offset_comes_from_the_primary_and_the_rest_from_the_secondary() {
        assert_eq!(MetricName::DataSyncOffset.emitter(), Emitter::GeoPrimary);
        for m in [MetricName::Healthy, MetricName::ConnectivityLag, MetricName::FullSyncStarted] {
            assert_eq!(m.emitter(), Emitter::GeoSecondary);
        }
    }
}
