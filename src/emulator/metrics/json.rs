//! JSON text as serde_json writes it, for the metrics answer ([`super::answer`]), which writes its
//! body by hand.

/// `v` as serde_json writes an `f64`: `null` when not finite, else the shortest text that reads back.
/// Whole numbers (most points: healthy 1, lag 0, no full sync) skip the float formatter.
pub fn number(out: &mut Vec<u8>, v: f64) {
    let whole = v as i64;
    if whole as f64 == v && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        if (0..10).contains(&whole) {
            out.extend_from_slice(&[b'0' + whole as u8, b'.', b'0']);
        } else {
            out.extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
            out.extend_from_slice(b".0");
        }
    } else if v.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// `s` as a JSON string, escaped as serde_json escapes it.
pub fn string(out: &mut Vec<u8>, s: &str) {
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
}
