//! The console bench's counts (see benches/console.rs): bytes written to the terminal per gauge update,
//! and frames the real event loop draws while idle.

use super::*;

/// Counts the bytes written through it.
struct CountingWriter {
    bytes: Rc<Cell<u64>>,
    /// The bytes themselves, while `keep` is set (to show what an update sends).
    kept: Rc<std::cell::RefCell<Vec<u8>>>,
}

impl io::Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.set(self.bytes.get() + buf.len() as u64);
        self.kept.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Bytes per redraw of the Geo-replication blade with a running link: (what changed, bytes, the bytes).
fn gauge_bytes(fleet: &Fleet) -> Vec<(&'static str, u64, String)> {
    let bytes = Rc::new(Cell::new(0));
    let kept = Rc::new(std::cell::RefCell::new(Vec::new()));
    let writer = CountingWriter { bytes: bytes.clone(), kept: kept.clone() };
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(writer),
        TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)) },
    )
    .expect("a terminal");
    let (mut o, op) = mid_link(fleet);
    let mut clock = o.clock;
    let mut out = Vec::new();
    // As the loop draws: only when something changed, and the frame's targets go back to the app.
    let mut draw = |o: &mut Offline, what: &'static str, out: &mut Vec<(&'static str, u64, String)>| {
        bytes.set(0);
        kept.borrow_mut().clear();
        if o.app.dirty() {
            let mut hits = Default::default();
            terminal.draw(|f| hits = o.app.draw(f.area(), f.buffer_mut())).expect("draw");
            o.send(Action::FrameDrawn(hits));
        }
        let text = String::from_utf8_lossy(&kept.borrow()).escape_debug().to_string();
        out.push((what, bytes.get(), text));
    };
    draw(&mut o, "first frame (whole screen)", &mut out);
    // The operation's poll: 40 % -> 41 %, one second later.
    clock += Duration::from_secs(1);
    o.at(clock);
    let status = LroStatus { state: OperationState::InProgress, percent: Some(41.0), error: None, retry_after: None };
    o.send(Action::OperationProgress { op, status });
    assert!(o.app.dirty());
    draw(&mut o, "gauge 40% -> 41% and clock +1 s", &mut out);
    // A tick: the clock by one second, the percentage unchanged.
    clock += Duration::from_secs(1);
    o.at(clock);
    draw(&mut o, "clock +1 s only (a tick)", &mut out);
    // A tick within the same second: nothing visible changes.
    clock += Duration::from_millis(250);
    o.at(clock);
    draw(&mut o, "tick, nothing visible changed", &mut out);
    out
}

/// A TestBackend that notes when each frame is flushed and whether the data was on screen. Its error is
/// io::Error, as the terminal's. (Should ratatui's `scrolling-regions` feature ever be enabled, the trait
/// gains `scroll_region_up`/`scroll_region_down`, to delegate like the rest.)
struct Recording {
    inner: TestBackend,
    start: Instant,
    /// Text that is on screen once all the data has arrived (the caches come last).
    marker: &'static str,
    /// (time since start, the frame shows `marker`)
    frames: Vec<(Duration, bool)>,
}

impl Backend for Recording {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a BufCell)>,
    {
        self.inner.draw(content).map_err(|e| match e {})
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor().map_err(|e| match e {})
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor().map_err(|e| match e {})
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position().map_err(|e| match e {})
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position).map_err(|e| match e {})
    }
    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear().map_err(|e| match e {})
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type).map_err(|e| match e {})
    }
    fn size(&self) -> io::Result<Size> {
        self.inner.size().map_err(|e| match e {})
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size().map_err(|e| match e {})
    }
    fn flush(&mut self) -> io::Result<()> {
        let buf = self.inner.buffer();
        let loaded = buf.content().iter().map(|c| c.symbol()).collect::<String>().contains(self.marker);
        self.frames.push((self.start.elapsed(), loaded));
        Ok(())
    }
}

struct Idle {
    what: &'static str,
    stats: georep::tui::LoopStats,
    frames: Vec<(Duration, bool)>,
}

/// Runs the real event loop on the demo emulator for `secs` with no input, on `app`.
fn idle(
    rt: &tokio::runtime::Runtime,
    url: &str,
    what: &'static str,
    marker: &'static str,
    mut app: App,
    secs: u64,
) -> Idle {
    let client = ArmClient::new(url, None).expect("client");
    let backend =
        Recording { inner: TestBackend::new(WIDTH, HEIGHT), start: Instant::now(), marker, frames: Vec::new() };
    let mut terminal = Terminal::new(backend).expect("terminal");
    let mut clipboard = |_: &str| {};
    let stats = rt
        .block_on(async {
            let io = LoopIo {
                client,
                intervals: PollIntervals::default(),
                clipboard: &mut clipboard,
                peers: None,
                feed: georep::tui::FeedChoice::Own(Default::default()),
            };
            georep::tui::event_loop(
                &mut terminal,
                &mut app,
                futures::stream::pending::<io::Result<ratatui::crossterm::event::Event>>(),
                tokio::time::sleep(Duration::from_secs(secs)),
                io,
            )
            .await
        })
        .expect("the event loop");
    Idle { what, stats, frames: std::mem::take(&mut terminal.backend_mut().frames) }
}

/// A console on the demo emulator's data, fed through actions, showing the Geo-replication blade (`2`)
/// or dashboard (`4`) of its linked pair (contoso-inventory-eus): a blade can only be opened on data the
/// console has.
fn demo_geo_app(rt: &tokio::runtime::Runtime, url: &str, jump: char) -> App {
    let client = ArmClient::new(url, None).expect("client");
    let mut o = Offline::new(AppOptions::new("demo backend", Theme::azure()), (WIDTH, HEIGHT));
    let (subs, caches, linked) = rt.block_on(async {
        let subs = client.subscriptions_in_scope().await.expect("subscriptions");
        let mut caches = Vec::new();
        for s in &subs {
            caches.extend(client.list_caches(&s.subscription_id).await.expect("caches"));
        }
        let mut linked = HashMap::new();
        for c in &caches {
            if c.linked_server_ids().next().is_some() {
                let id = ResourceId::parse(c.id()).expect("id");
                linked.insert(id.clone(), client.list_linked_servers(&id).await.expect("linked servers"));
            }
        }
        (subs, caches, linked)
    });
    o.send(Action::SubscriptionsLoaded(subs));
    o.send(Action::LinkedServersLoaded(linked));
    o.send(Action::CachesLoaded(caches));
    filter(&mut o, "contoso-inventory-eus");
    o.keys(&[KeyCode::Enter, KeyCode::Char(jump)]);
    assert!(o.screen().contains("contoso-inventory-weu"), "the linked pair:\n{}", o.screen());
    o.app
}

pub fn counts(fleet: &Fleet) -> String {
    let mut report = String::new();
    let _ = writeln!(report, "georep console counts (benches/console.rs, `cargo bench --bench console`)");
    let _ = writeln!(report, "{}", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"));
    let data = data(&fleet.linking);
    let free = free_primary(&fleet.linking);
    let list = CompatibleState::new(free.clone(), &data);
    let groups: std::collections::HashSet<_> =
        data.ids().iter().map(|id| (id.subscription.clone(), id.resource_group.clone())).collect();
    let _ = writeln!(
        report,
        "Fleet: {CACHES} caches in {} resource groups; Compatible caches of {}: {} compatible, {} excluded",
        groups.len(),
        free.name,
        list.compatible_count(),
        list.excluded
    );
    let _ = writeln!(
        report,
        "\nBytes written to a {WIDTH}x{HEIGHT} terminal (CrosstermBackend into a counting writer), Geo-replication \
         blade with a running link, {CACHES} caches loaded (target < 200 bytes per gauge update):"
    );
    for (what, bytes, text) in gauge_bytes(fleet) {
        let _ = writeln!(report, "  {what:<34} {bytes:>6} bytes");
        if bytes < 400 {
            let _ = writeln!(report, "      {text}");
        }
    }

    let secs = std::env::var("GEOREP_BENCH_IDLE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let running = rt
        .block_on(async {
            Emulator::simulated(Config { time_scale: 8.0, ..Default::default() })
                .expect("emulator")
                .bind("127.0.0.1:0".parse().expect("address"))
                .await
        })
        .expect("bind the emulator");
    let _ = writeln!(
        report,
        "\nFrames drawn by event_loop in {secs} s with no input (TestBackend {WIDTH}x{HEIGHT}, events: \
         stream::pending(), PollIntervals::default() = 3 s idle / 1 s busy, in-process demo emulator, 22 caches; \
         target: 0 after the data arrived; the Geo-replication console was fed the data before the loop, so \
         its first poll brings it again and may draw once):"
    );
    let url = running.url();
    let home = App::new(AppOptions::new("demo backend", Theme::azure()));
    let geo = demo_geo_app(&rt, &url, '2');
    let dashboard = demo_geo_app(&rt, &url, '4');
    let runs = [
        idle(&rt, &url, "Home", " 22 of 22 ", home, secs),
        idle(&rt, &url, "Geo-replication", "West Europe", geo, secs),
        idle(&rt, &url, "Geo dashboard", "Data Sync Offset", dashboard, secs),
    ];
    for run in runs {
        let first_loaded = run.frames.iter().position(|(_, loaded)| *loaded);
        let after = first_loaded.map(|i| run.frames.len() - i - 1);
        let late = run.frames.iter().filter(|(t, _)| *t > Duration::from_secs(1)).count();
        let times: Vec<String> = run.frames.iter().map(|(t, _)| format!("{:.3}s", t.as_secs_f64())).collect();
        let _ = writeln!(
            report,
            "  {:<16} LoopStats.frames {} (actions {}); frames after the data arrived: {}; after the first second: \
             {late}; frame times: {}",
            run.what,
            run.stats.frames,
            run.stats.actions,
            after.map_or("the data never arrived".to_string(), |n| n.to_string()),
            times.join(", ")
        );
    }
    drop(running);
    report
}
