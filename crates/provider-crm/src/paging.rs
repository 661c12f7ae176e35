//! Paging Iron's conversation list, which is unpublished. Our cursor says which form
//! the last page came in: `c:{server cursor}` when Iron handed one out, else
//! `o:{offset}` for `limit`/`offset` (a bare number is read as an offset too).
//!
//! Where the list ends is read from what a page says, in this order:
//! `has_more: false`; a server cursor (unless it stands still or comes with an
//! empty page nothing says is not the last, which would page forever); an empty
//! page; `has_more: true`; the total; and only without either, a short page (a
//! server may cap a page below the limit asked, so a short page alone is a weak
//! sign).

use serde_json::Value;

use super::wire::count_of;

/// Where a list request starts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Start {
    /// The server's cursor, as Iron handed it out.
    pub server: Option<String>,
    pub offset: u64,
}

impl Start {
    pub fn from_cursor(cursor: Option<&str>) -> Self {
        match cursor {
            None => Self::default(),
            Some(c) => match c.strip_prefix("c:") {
                Some(server) => Self { server: Some(server.to_owned()), offset: 0 },
                None => Self { server: None, offset: c.strip_prefix("o:").unwrap_or(c).trim().parse().unwrap_or(0) },
            },
        }
    }

    /// The query parameter that asks for this page (none for the first).
    pub fn param(&self, had_cursor: bool) -> Option<(&'static str, String)> {
        match &self.server {
            Some(c) => Some(("cursor", c.clone())),
            None => had_cursor.then(|| ("offset", self.offset.to_string())),
        }
    }

    /// Our cursor for the page after one of `rows` rows (before any was read
    /// or skipped), or none at the end.
    pub fn next(&self, page: &Value, rows: u64, limit: u32) -> Option<String> {
        let has_more = page.get("has_more").and_then(Value::as_bool);
        if has_more == Some(false) {
            return None;
        }
        let cursor = ["next_cursor", "cursor"]
            .iter()
            .find_map(|k| page.get(*k).and_then(Value::as_str))
            .filter(|c| !c.trim().is_empty());
        if let Some(c) = cursor {
            let moves = self.server.as_deref() != Some(c) && (rows > 0 || has_more == Some(true));
            return moves.then(|| format!("c:{c}"));
        }
        if rows == 0 {
            return None;
        }
        let read = self.offset + rows;
        let total = ["total", "count"].iter().find_map(|k| page.get(*k).and_then(count_of));
        let more = match (has_more, total) {
            (Some(_), t) => t.is_none_or(|t| read < t),
            (None, Some(t)) => read < t,
            (None, None) => rows >= u64::from(limit),
        };
        more.then(|| format!("o:{read}"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Start;

    #[test]
    fn our_cursor_says_the_form() {
        assert_eq!(Start::from_cursor(None), Start::default());
        assert_eq!(Start::from_cursor(Some("c:o:1")).server.as_deref(), Some("o:1"));
        assert_eq!(Start::from_cursor(Some("o:40")).offset, 40);
        assert_eq!(Start::from_cursor(Some("25")).offset, 25);
        assert_eq!(Start::from_cursor(Some("o:junk")), Start::default());
        assert_eq!(Start::default().param(false), None);
        assert_eq!(Start::from_cursor(Some("o:0")).param(true), Some(("offset", "0".to_owned())));
    }

    #[test]
    fn the_end_is_read_from_what_the_page_says() {
        let first = Start::default();
        let after = |c: &str| Start::from_cursor(Some(c));
        assert_eq!(first.next(&json!({ "next_cursor": "b" }), 2, 2).as_deref(), Some("c:b"));
        assert_eq!(first.next(&json!({ "next_cursor": "b", "has_more": false }), 2, 2), None);
        assert_eq!(after("c:b").next(&json!({ "next_cursor": "b" }), 2, 2), None, "a cursor that stands still");
        assert_eq!(after("c:b").next(&json!({ "next_cursor": "c" }), 0, 2), None, "an empty page");
        assert_eq!(after("c:b").next(&json!({ "next_cursor": "c", "has_more": true }), 0, 2).as_deref(), Some("c:c"));
        assert_eq!(first.next(&json!([]), 2, 2).as_deref(), Some("o:2"));
        assert_eq!(first.next(&json!([]), 1, 2), None, "a short page, nothing else said");
        assert_eq!(after("o:2").next(&json!({ "total": 5 }), 2, 3).as_deref(), Some("o:4"), "capped below the limit");
        assert_eq!(after("o:4").next(&json!({ "total": 5 }), 1, 3), None);
        assert_eq!(first.next(&json!({ "has_more": true }), 1, 3).as_deref(), Some("o:1"));
        assert_eq!(first.next(&json!({ "has_more": true, "total": 1 }), 1, 3), None);
        assert_eq!(first.next(&json!({ "total": 9 }), 0, 3), None, "an empty page ends it");
    }
}
