//! The answer to a metrics query, written straight into its JSON body.
//!
//! A day at `PT1M` over ten shards is 72,000 points, 3.6 MB of JSON. Building the wire structs of
//! [`crate::arm::metrics`] for it (a `String` per point's time stamp) and serialising them with serde
//! took ~11 ms; the issue's target is 2 ms. Here each interval's `{"timeStamp":"…"` is rendered once
//! per query (the date once per day) and copied into every series, numbers are formatted with `zmij`
//! and `itoa` (what serde_json itself formats them with, so the bytes are serde's), and everything goes
//! into one buffer sized up front. Field order and omissions are serde's for
//! [`crate::arm::metrics::Response`]; the test-only `serde_reference` module keeps the first version
//! and checks that both give the same JSON.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::arm::metrics::METRIC_TYPE;

use super::catalog::{MetricName, Primary};
use super::history::{History, View};
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
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.n += 1;
        }
    }
}

/// The aggregations a point can carry, in the order serde writes `MetricValue`'s fields.
const FIELDS: [(Aggregation, &[u8]); 5] = [
    (Aggregation::Average, b",\"average\":"),
    (Aggregation::Minimum, b",\"minimum\":"),
    (Aggregation::Maximum, b",\"maximum\":"),
    (Aggregation::Total, b",\"total\":"),
    (Aggregation::Count, b",\"count\":"),
];

/// Writes one point: `head` (its `{"timeStamp":"…"`), then each aggregation asked for. With no value
/// in the interval only the count is written (0), as `MetricValue` omits the others.
fn point(out: &mut Vec<u8>, head: &[u8], f: &Fold, want: &[bool; 5]) {
    out.extend_from_slice(head);
    for ((agg, key), on) in FIELDS.iter().zip(want) {
        let v = match agg {
            _ if !on => continue,
            Aggregation::Count => f64::from(f.n),
            _ if f.n == 0 => continue,
            Aggregation::Average => f.sum / f64::from(f.n),
            Aggregation::Minimum => f.min,
            Aggregation::Maximum => f.max,
            Aggregation::Total => f.sum,
        };
        out.extend_from_slice(key);
        number(out, v);
    }
    out.push(b'}');
}

/// `v` as serde_json writes an `f64`: `null` when not finite, else the shortest text that reads back.
/// Whole numbers (most points: healthy 1, lag 0, no full sync) skip the float formatter.
pub(super) fn number(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        out.extend_from_slice(b"null");
    } else if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
        out.extend_from_slice(b".0");
    } else {
        out.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
    }
}

/// `s` as a JSON string, escaped as serde_json escapes it.
pub(super) fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => &[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]],
            _ => continue,
        };
        out.extend_from_slice(&bytes[from..i]);
        out.extend_from_slice(short);
        from = i + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn minutes_text(m: i64) -> String {
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
    fn fold(&self, view: &View, m: MetricName, shard: Option<usize>, folds: &mut Vec<Fold>) {
        folds.clear();
        let shards = match shard {
            Some(s) => s..s + 1,
            None => 0..view.shards(),
        };
        for b in &self.buckets {
            let mut f = Fold::EMPTY;
            for minute in (*b).max(self.first)..(b + self.grain).min(self.last) {
                for s in shards.clone() {
                    if let Some(sample) = view.get(s, minute + self.shift) {
                        f.add(sample[m.index()]);
                    }
                }
            }
            folds.push(f);
        }
    }
}

/// Writes `{"metadatavalues":[…],"data":[…]}` for one series.
fn series(out: &mut Vec<u8>, grid: &Grid, shard: Option<usize>, folds: &[Fold], want: &[bool; 5]) {
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
    let mut want = [false; 5];
    let default = [match m.primary_aggregation() {
        Primary::Average => Aggregation::Average,
        Primary::Total => Aggregation::Total,
    }];
    let aggs = if cx.q.aggregations.is_empty() { &default[..] } else { &cx.q.aggregations[..] };
    for (on, (agg, _)) in want.iter_mut().zip(&FIELDS) {
        *on = aggs.contains(agg);
    }
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
    fn numbers_are_written_as_serde_json_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1.0 / 3.0,
            f64::from(1.0f32 / 3.0),
            1e-7,
            123456.78,
            999_999_999_999_999.0,
            1e15,
            1e15 + 2.0,
            1e16,
            9_007_199_254_740_993.0,
            -4.5e15,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // And a spread of others: whole numbers of every size, f32 values, arbitrary bit patterns.
        for i in 0..20_000u64 {
            let j = super::super::model::jitter("n", 0, i as i64, 9);
            values.push((j * 10f64.powi((i % 19) as i32)).floor());
            values.push(f64::from((j * 1e6) as f32 * 0.37));
            values.push(f64::from_bits((j * u64::MAX as f64) as u64));
        }
        for v in values {
            let mut out = Vec::new();
            number(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&v).unwrap(), "{v:e}");
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é日本\u{2028}\u{10ffff}/end");
        for s in [every.as_str(), "", "plain", "\"", "\\\\x\u{1f}"] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap());
        }
    }

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
