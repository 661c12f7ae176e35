//! Conversions between domain values and their column forms.

use jiff::Timestamp;

/// Unix milliseconds, the column form of every time.
#[must_use]
pub fn to_ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// Back from unix milliseconds; out-of-range values (a corrupt row) clamp rather
/// than fail the whole page.
#[must_use]
pub fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

pub fn opt_from_ms(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(from_ms)
}

/// JSON text column to a value; a corrupt column logs and yields the default.
pub fn json_or_default<T: serde::de::DeserializeOwned + Default>(text: &str, column: &str) -> T {
    serde_json::from_str(text).unwrap_or_else(|err| {
        tracing::warn!(column, error = %err, "unreadable JSON column; using the default");
        T::default()
    })
}

/// Lower-case hex of bytes (hashes).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
