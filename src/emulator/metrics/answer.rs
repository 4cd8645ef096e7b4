//! The answer to a metrics query, written straight into its JSON body.
//!
//! A day at `PT1M` over ten shards is 72,000 points, 3.6 MB of JSON. Building the wire structs of
//! [`crate::arm::metrics`] for it (a `String` per point's time stamp) and serialising them with serde
//! took ~12 ms; the target is 2 ms. Here each interval's `{"timeStamp":"…"` is rendered once
//! per query (the date once per day) and copied into every series, numbers and strings are written as
//! serde_json writes them ([`super::json`]), everything goes into one buffer sized up front, and a
//! shard's series is folded from its ring's runs in order, not by a look-up per minute. Field order
//! and omissions are serde's for [`crate::arm::metrics::Response`]; the test-only `serde_reference`
//! module keeps the first version and checks that both give the same JSON, byte for byte.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::arm::metrics::METRIC_TYPE;

use super::catalog::{MetricName, Primary};
use super::history::{History, Sample, View};
use super::json::{number, string};
use super::query::{Aggregation, Query, Split, Target};

/// Sum, least, greatest and how many, of the values in one interval.
#[derive(Clone, Copy)]
struct Fold {
    sum: f64,
    min: f64,
    max: f64,
    n: u32,
}

impl Fold {
    const EMPTY: Fold = Fold { sum: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, n: 0 };

    fn add(&mut self, v: f32) {
        if !v.is_nan() {
            let v = f64::from(v);
            self.sum += v;
            // `v`, `min` and `max` are numbers (the bounds start infinite): a plain comparison (one
            // `minsd`), not `f64::min`'s handling of NaN.
            if v < self.min {
                self.min = v;
            }
            if v > self.max {
                self.max = v;
            }
            self.n += 1;
        }
    }
}

/// The aggregations a point can carry, in the order serde writes `MetricValue`'s fields.
const FIELDS: [Aggregation; 5] =
    [Aggregation::Average, Aggregation::Minimum, Aggregation::Maximum, Aggregation::Total, Aggregation::Count];

/// Bytes of `{"timeStamp":"YYYY-MM-DDTHH:MM:SSZ"`: every head in years 0 to 9999.
const HEAD: usize = 35;

/// Writes one point: `head` (its `{"timeStamp":"…"`), then `want` (aggregations, once each, in
/// [`FIELDS`] order). With no value in the interval only the count is written (0), as `MetricValue`
/// omits the others.
fn point(out: &mut Vec<u8>, head: &[u8], f: &Fold, want: &[Aggregation]) {
    // A head of the usual length is copied as a fixed-size array: no call to memmove per point.
    match <&[u8; HEAD]>::try_from(head) {
        Ok(h) => out.extend_from_slice(h),
        Err(_) => out.extend_from_slice(head),
    }
    for agg in want {
        let v = match agg {
            Aggregation::Count => {
                out.extend_from_slice(b",\"count\":");
                f64::from(f.n)
            }
            _ if f.n == 0 => continue,
            Aggregation::Average => {
                out.extend_from_slice(b",\"average\":");
                f.sum / f64::from(f.n)
            }
            Aggregation::Minimum => {
                out.extend_from_slice(b",\"minimum\":");
                f.min
            }
            Aggregation::Maximum => {
                out.extend_from_slice(b",\"maximum\":");
                f.max
            }
            Aggregation::Total => {
                out.extend_from_slice(b",\"total\":");
                f.sum
            }
        };
        number(out, v);
    }
    out.push(b'}');
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn minutes_text(m: i64) -> String {
    if m % 1440 == 0 {
        format!("P{}D", m / 1440)
    } else if m % 60 == 0 {
        format!("PT{}H", m / 60)
    } else {
        format!("PT{m}M")
    }
}

/// `{"timeStamp":"<ISO 8601>"` of each interval starting at `buckets` (minutes since the epoch), one
/// after the other, and where each ends. The date is rendered by chrono once per day; the time of day
/// is written by hand (the stamps are whole minutes).
fn heads(buckets: &[i64]) -> (Vec<u8>, Vec<usize>) {
    const OPEN: &[u8] = b"{\"timeStamp\":\"";
    let at = |minute: i64| DateTime::from_timestamp(minute * 60, 0);
    let mut text = Vec::with_capacity(buckets.len() * (OPEN.len() + 21));
    let mut ends = Vec::with_capacity(buckets.len());
    let mut day: Option<(i64, Option<String>)> = None;
    for &b in buckets {
        let d = b.div_euclid(1440);
        if day.as_ref().is_none_or(|(k, _)| *k != d) {
            let date = at(d * 1440).map(stamp).and_then(|s| s.strip_suffix("00:00:00Z").map(str::to_string));
            day = Some((d, date));
        }
        text.extend_from_slice(OPEN);
        match day.as_ref().and_then(|(_, date)| date.as_deref()) {
            Some(date) => {
                let (h, m) = (b.rem_euclid(1440) / 60, b.rem_euclid(60));
                text.extend_from_slice(date.as_bytes());
                text.extend_from_slice(&[b'0' + (h / 10) as u8, b'0' + (h % 10) as u8, b':']);
                text.extend_from_slice(&[b'0' + (m / 10) as u8, b'0' + (m % 10) as u8]);
                text.extend_from_slice(b":00Z");
            }
            None => text.extend_from_slice(stamp(at(b).unwrap_or_default()).as_bytes()),
        }
        text.push(b'"');
        ends.push(text.len());
    }
    (text, ends)
}

/// The intervals of an answer, in minutes since the epoch (real time).
struct Grid {
    /// Each interval's first minute.
    buckets: Vec<i64>,
    /// Each interval's `{"timeStamp":"…"`, back to back; `ends[i]` is where interval `i`'s ends.
    heads: Vec<u8>,
    ends: Vec<usize>,
    first: i64,
    /// Exclusive.
    last: i64,
    grain: i64,
    /// Minutes the history's (model) minutes are ahead of the time stamps.
    shift: i64,
}

impl Grid {
    fn new(q: &Query, shift: i64) -> Self {
        let first = q.start.timestamp().div_euclid(60);
        let last = (q.end.timestamp() + 59).div_euclid(60);
        let grain = q.grain.unwrap_or(last - first).max(1);
        let origin = if q.grain.is_some() { first.div_euclid(grain) * grain } else { first };
        let buckets: Vec<i64> = (0..).map(|i| origin + i * grain).take_while(|b| *b < last).collect();
        let (heads, ends) = heads(&buckets);
        Grid { buckets, heads, ends, first, last, grain, shift }
    }

    fn head(&self, i: usize) -> &[u8] {
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.heads[from..self.ends[i]]
    }

    /// Folds metric `m` on `shard` (every shard together: `None`) into `folds`, one per interval.
    /// Values are added minute by minute (and within a minute shard by shard), as they always were:
    /// a sum in another order could differ in its last bit.
    fn fold(&self, view: &View, m: MetricName, shard: Option<usize>, folds: &mut Vec<Fold>) {
        folds.clear();
        let i = m.index();
        let Some(shard) = shard else {
            for b in &self.buckets {
                let mut f = Fold::EMPTY;
                for minute in (*b).max(self.first)..(b + self.grain).min(self.last) {
                    for s in 0..view.shards() {
                        if let Some(sample) = view.get(s, minute + self.shift) {
                            f.add(sample[i]);
                        }
                    }
                }
                folds.push(f);
            }
            return;
        };
        let (start, runs) = view.range(shard, self.first + self.shift, self.last + self.shift);
        self.fold_runs(runs, start - self.shift, i, folds);
    }

    /// One shard: its kept minutes (from `start`) are one or two runs of its ring, read in order. The
    /// intervals are consecutive, so the samples left start at the interval's first minute (or later).
    /// Not inlined: inlined into `answer` (or folded through an iterator), the sums went to the stack
    /// and back for every sample, ~10 cycles each.
    #[inline(never)]
    fn fold_runs(&self, mut runs: [&[Sample]; 2], start: i64, i: usize, folds: &mut Vec<Fold>) {
        for b in &self.buckets {
            let (from, to) = ((*b).max(self.first).max(start), (b + self.grain).min(self.last));
            folds.push(take(&mut runs, usize::try_from(to - from).unwrap_or(0), i));
        }
    }
}

/// Folds value `i` of the next `n` samples of `runs` (fewer when they end), and moves past them.
#[inline(always)]
fn take(runs: &mut [&[Sample]; 2], n: usize, i: usize) -> Fold {
    let mut f = Fold::EMPTY;
    let mut left = n;
    for run in runs.iter_mut() {
        let (now, rest) = run.split_at(left.min(run.len()));
        for sample in now {
            f.add(sample[i]);
        }
        left -= now.len();
        *run = rest;
    }
    f
}

/// Writes `{"metadatavalues":[…],"data":[…]}` for one series.
fn series(out: &mut Vec<u8>, grid: &Grid, shard: Option<usize>, folds: &[Fold], want: &[Aggregation]) {
    out.extend_from_slice(b"{\"metadatavalues\":[");
    if let Some(s) = shard {
        out.extend_from_slice(b"{\"name\":{\"value\":\"shardid\",\"localizedValue\":\"shardid\"},\"value\":\"");
        out.extend_from_slice(itoa::Buffer::new().format(s).as_bytes());
        out.extend_from_slice(b"\"}");
    }
    out.extend_from_slice(b"],\"data\":[");
    for (i, f) in folds.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        point(out, grid.head(i), f, want);
    }
    out.extend_from_slice(b"]}");
}

/// What one answer needs besides the output.
struct Ctx<'a> {
    q: &'a Query,
    target: &'a Target<'a>,
    grid: Grid,
    view: View<'a>,
    series: Vec<Option<usize>>,
}

/// Writes one metric's object: its names and unit, and its series, a shard with no value at all (the
/// metric is the other side's) left out, at most `top` of them.
fn metric(out: &mut Vec<u8>, cx: &Ctx, m: MetricName, folds: &mut Vec<Fold>) {
    let default = [match m.primary_aggregation() {
        Primary::Average => Aggregation::Average,
        Primary::Total => Aggregation::Total,
    }];
    let aggs = if cx.q.aggregations.is_empty() { &default[..] } else { &cx.q.aggregations[..] };
    let want: Vec<Aggregation> = FIELDS.into_iter().filter(|a| aggs.contains(a)).collect();
    out.extend_from_slice(b"{\"id\":");
    string(out, &format!("{}/providers/Microsoft.Insights/metrics/{}", cx.target.id, m.rest_name()));
    out.extend_from_slice(b",\"type\":");
    string(out, METRIC_TYPE);
    out.extend_from_slice(b",\"name\":{\"value\":");
    string(out, m.rest_name());
    out.extend_from_slice(b",\"localizedValue\":");
    string(out, m.display_name());
    out.extend_from_slice(b"},\"displayDescription\":");
    string(out, m.description());
    out.extend_from_slice(b",\"unit\":");
    string(out, m.unit());
    out.extend_from_slice(b",\"timeseries\":[");
    let mut written = 0;
    for shard in &cx.series {
        if written == cx.q.top {
            break;
        }
        cx.grid.fold(&cx.view, m, *shard, folds);
        if shard.is_some() && folds.iter().all(|f| f.n == 0) {
            continue;
        }
        if written > 0 {
            out.push(b',');
        }
        series(out, &cx.grid, *shard, folds, &want);
        written += 1;
    }
    out.extend_from_slice(b"],\"errorCode\":\"Success\"}");
}

/// The JSON body answering `q` about `target` from `history`, whose minutes are `shift` minutes ahead
/// of the time stamps shown: the spec's `Response`.
pub fn answer(q: &Query, target: &Target, history: &History, shift: i64) -> Vec<u8> {
    let grid = Grid::new(q, shift);
    let view = history.view(target.key);
    let series: Vec<Option<usize>> = match &q.split {
        Split::Whole => vec![None],
        Split::EveryShard => (0..view.shards()).map(Some).collect(),
        Split::Shards(list) => list.iter().filter(|s| **s < view.shards()).map(|s| Some(*s)).collect(),
    };
    // A point is its head, at most ~25 bytes an aggregation and a comma; each metric ~700 bytes more.
    let aggs = q.aggregations.len().max(1);
    let points = grid.buckets.len() * series.len().min(q.top) * q.metrics.len();
    let mut out = Vec::with_capacity(points * (grid.heads.len() / grid.ends.len().max(1) + 2 + 25 * aggs) + 1024);
    out.extend_from_slice(b"{\"cost\":");
    out.extend_from_slice(itoa::Buffer::new().format(grid.buckets.len() * series.len() * q.metrics.len()).as_bytes());
    out.extend_from_slice(b",\"timespan\":");
    string(&mut out, &format!("{}/{}", stamp(q.start), stamp(q.end)));
    out.extend_from_slice(b",\"interval\":");
    string(&mut out, &minutes_text(grid.grain));
    out.extend_from_slice(b",\"namespace\":\"Microsoft.Cache/redis\",\"resourceregion\":");
    string(&mut out, &target.region);
    out.extend_from_slice(b",\"value\":[");
    let cx = Ctx { q, target, grid, view, series };
    let mut folds = Vec::with_capacity(cx.grid.buckets.len());
    for (i, m) in q.metrics.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        metric(&mut out, &cx, *m, &mut folds);
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_stamps_are_chronos_across_days_months_and_years() {
        let at = |y, mo, d, h, mi| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, y, mo, d, h, mi, 0).unwrap().timestamp().div_euclid(60)
        };
        let starts =
            [at(1999, 12, 31, 22, 0), at(2028, 2, 28, 23, 30), at(1970, 1, 1, 0, 0) - 90, at(9999, 12, 30, 0, 0)];
        for (start, step) in starts.into_iter().zip([1, 7, 1, 60]) {
            let buckets: Vec<i64> = (0..3000).map(|i| start + i * step).collect();
            let (text, ends) = heads(&buckets);
            let mut from = 0;
            for (b, end) in buckets.iter().zip(ends) {
                let want =
                    format!("{{\"timeStamp\":\"{}\"", stamp(DateTime::from_timestamp(b * 60, 0).unwrap_or_default()));
                assert_eq!(std::str::from_utf8(&text[from..end]).unwrap(), want);
                from = end;
            }
        }
    }
}
