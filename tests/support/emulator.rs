//! The emulator for tests: one way to start it, in-process on 127.0.0.1, simulated or on real
//! redis-servers. It stops when the `Running` is shut down or dropped with the test's runtime.

use std::net::SocketAddr;
use std::time::Duration;

use georep::emulator::{Config, DataPlaneChoice, Emulator, RedisOptions, Running};

/// 127.0.0.1 on a port the system picks.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A simulated emulator on `config`, listening on 127.0.0.1:0.
pub async fn start(config: Config) -> Running {
    start_on(config, loopback()).await
}

/// The same on a given address (a restart on the address a console already polls).
pub async fn start_on(config: Config, addr: SocketAddr) -> Running {
    Emulator::simulated(config).expect("emulator").bind(addr).await.expect("bind")
}

/// The emulator on real redis-servers (one per shard), started within `within`.
pub async fn start_redis(config: Config, within: Duration) -> Running {
    let emu =
        Emulator::open(config, &DataPlaneChoice::Redis(RedisOptions::default())).await.expect("the real data plane");
    tokio::time::timeout(within, emu.bind(loopback())).await.expect("start-up in time").expect("start-up")
}
