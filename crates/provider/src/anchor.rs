//! A cursor into a vendor's list addressed by position (a page number, an offset),
//! which moves as conversations arrive, leave or rise: the place, the view's count
//! when the cursor was made, and the id of the row beside it, so that the next read
//! can find that row where the list has taken it. Written `place` or
//! `place.count.row` (the count may be empty; the row, an id, may hold dots); a
//! bare place is what older cursors were, and reads from just there.

use std::fmt::Display;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor<P> {
    pub at: P,
    pub count: Option<u64>,
    pub beside: Option<String>,
}

impl<P: FromStr + Display> Anchor<P> {
    /// The cursor `text` names; anything else starts over (`None`).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '.');
        let at = parts.next()?.parse().ok()?;
        let count = parts.next().and_then(|c| c.parse().ok());
        let beside = parts.next().filter(|r| !r.is_empty()).map(str::to_owned);
        Some(Self { at, count, beside })
    }

    /// As [`Self::parse`] reads it; without a row beside, the bare place.
    pub fn encode(&self) -> String {
        match &self.beside {
            Some(row) => format!("{}.{}.{row}", self.at, self.count.map(|c| c.to_string()).unwrap_or_default()),
            None => self.at.to_string(),
        }
    }

    /// How far the rows moved since the cursor was made, by the count now:
    /// arrivals push rows down, departures pull them up (0 when either count is
    /// unknown).
    pub fn shift(&self, now: Option<u64>) -> i64 {
        match (self.count, now) {
            (Some(then), Some(now)) => i64::try_from(now).unwrap_or(i64::MAX) - i64::try_from(then).unwrap_or(0),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_reads_back_as_written_and_a_bare_place_is_one() {
        let a = Anchor { at: 40_u64, count: Some(113), beside: Some("a1b2c3d4-...".into()) };
        assert_eq!(a.encode(), "40.113.a1b2c3d4-...");
        assert_eq!(Anchor::parse("40.113.a1b2c3d4-..."), Some(a));
        assert_eq!(Anchor::parse(" 25 "), Some(Anchor { at: 25_u64, count: None, beside: None }));
        assert_eq!(Anchor::<u64>::parse("25..r7").map(|a| a.encode()), Some("25..r7".to_owned()));
        assert_eq!(Anchor::<u64>::parse("x.1.r7"), None);
        assert_eq!(Anchor::<u64>::parse(""), None);
    }
}
