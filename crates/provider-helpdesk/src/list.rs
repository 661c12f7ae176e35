//! The conversation list, by Bancroft's `offset` and `limit`, both ways: down from
//! the top, and up from the end, which the envelope's `count` places, so `G` reads
//! one page rather than every one.
//!
//! An offset is a place in a list that moves: a conversation updated rises to the
//! top, one resolved leaves an open view, a new one comes in. So a cursor carries
//! the row beside it (the last handed out going down, the first going up) and the
//! view's count then, and a read takes in `OVERLAP` rows either side of where that
//! row was. Found there, the rows on its far side are handed out: none skipped,
//! none twice. Not there, and the count moved, it is looked for where the count
//! says it went (a few windows at most). Not found at all (it moved itself, or
//! went), the rows at its old place are, as a bare offset would give.

use frontdesk_domain::{Clean, Conversation, Page, ViewFilter, ViewId};
use frontdesk_provider::anchor::Anchor;
use frontdesk_provider::{ListQuery, ProviderError, ProviderResult, Towards};
use serde_json::Value;

use super::wire::{self, Conv};
use super::{DEFAULT_PAGE, HelpdeskProvider, MAX_PAGE, builtin_views, is_email};

/// Rows read on each side of the cursor's row: moves of up to this many rows
/// above it are seen.
const OVERLAP: u64 = 8;
/// Reads of the last page when the count moves under them, at most.
const END_TRIES: usize = 3;
/// Windows passed over when none of their rows is in the view (a view of several
/// statuses is asked without one and picked here), before an empty page is handed out.
const PASS_OVER: usize = 5;
/// Reads that make up one span of rows, at most: a span is at most `MAX_PAGE`
/// rows, so a server that caps `limit` at 10 is read through whole. Short of the
/// span, the cursor's row may lie just past what was read, and the page taken
/// from its old place would skip the rows it moved by.
const SPAN_READS: usize = 12;
/// Windows read to find where the cursor's row went, at most.
const LOOK_AROUND: usize = 4;

/// Where the next read begins: the offset (the first row to read going down; the
/// row after the last to read going up), the view's count then, and the row beside.
type Cursor = Anchor<u64>;

/// What a listing asks of Bancroft, whichever window, and what it keeps.
struct Asked {
    params: Vec<(&'static str, String)>,
    wanted: ViewFilter,
    channels: Vec<frontdesk_domain::Channel>,
    limit: u64,
}

/// One row as Bancroft sent it: its id (a row the adapter cannot read still has a
/// place), and the conversation when it reads.
struct Row {
    id: Option<String>,
    conversation: Option<Conversation>,
}

/// Rows `start..start + rows.len()` of the list, with the envelope's word on what
/// lies below them.
struct Window {
    start: u64,
    rows: Vec<Row>,
    count: Option<u64>,
    below: bool,
}

impl Window {
    fn find(&self, id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.id.as_deref() == Some(id))
    }

    /// The rows `from..to` (indexes into the window, clamped).
    fn cut(mut self, from: usize, to: usize) -> Cut {
        let to = to.min(self.rows.len());
        let from = from.min(to);
        let below = to < self.rows.len() || self.below;
        let first = self.start + from as u64;
        self.rows.truncate(to);
        Cut { rows: self.rows.split_off(from), first, below, count: self.count }
    }
}

/// What one read hands out: rows in Bancroft's order, the first one's offset, and
/// whether rows may follow below the last.
struct Cut {
    rows: Vec<Row>,
    first: u64,
    below: bool,
    count: Option<u64>,
}

impl HelpdeskProvider {
    /// The list. A status the API cannot filter alone (All, Resolved, the poller's
    /// "every status") is asked without one and kept here. `q` filters by the
    /// requester when it is an email address (`user_email`); Bancroft has no other
    /// search. The order asked is freshest first (`ordering=-updated_at`, Django REST
    /// framework's name; not on the page, and ignored by a server that does not know
    /// it), and each page is sorted so, for the poller; `updated_since` has no
    /// parameter and is left to the poller.
    pub(crate) async fn list_page(&self, query: ListQuery) -> ProviderResult<Page<Conversation>> {
        let empty = Page { items: Vec::new(), next_cursor: None, prev_cursor: None };
        let Some(asked) = Self::asked(&query)? else { return Ok(empty) };
        let mut cursor = query.cursor.as_deref().and_then(Cursor::parse);
        let up = query.towards == Towards::Up;
        for _ in 0..PASS_OVER {
            let cut = match &cursor {
                None if up => self.end(&asked).await?,
                None => self.window(&asked, 0, asked.limit).await?.cut(0, usize::MAX),
                Some(c) if up => self.above(&asked, c).await?,
                Some(c) => self.below(&asked, c).await?,
            };
            let page = Self::page_of(&asked, cut, cursor.as_ref());
            // Nothing of the view among these rows, but more the way it is read.
            let on = if up { &page.prev_cursor } else { &page.next_cursor };
            if !page.items.is_empty() || on.is_none() {
                self.remember(&page.items);
                return Ok(page);
            }
            cursor = on.as_deref().and_then(Cursor::parse);
        }
        let on = cursor.map(|c| c.encode());
        Ok(if up { Page { prev_cursor: on, ..empty } } else { Page { next_cursor: on, ..empty } })
    }

    /// What Bancroft is asked for this query; `None` when nothing can match.
    fn asked(query: &ListQuery) -> ProviderResult<Option<Asked>> {
        // Nothing is archived in Bancroft.
        if query.filter.archived {
            return Ok(None);
        }
        let view = query.view.as_ref().map_or("all", ViewId::as_str);
        let mut statuses = builtin_views()
            .into_iter()
            .find(|v| v.id.as_str() == view)
            .map(|v| v.filter.status)
            .ok_or(ProviderError::Unsupported("this view"))?;
        if !query.filter.status.is_empty() {
            statuses.clone_from(&query.filter.status);
        }
        let names: Vec<&str> = statuses.iter().flat_map(wire::status_names).collect();
        if names.is_empty() {
            return Ok(None);
        }
        let mut params = vec![("ordering", "-updated_at".to_owned())];
        if let [one] = names.as_slice() {
            params.push(("status", (*one).to_owned()));
        }
        match query.filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) if is_email(q) => params.push(("user_email", q.to_owned())),
            Some(_) => return Err(ProviderError::Unsupported("search (Bancroft finds conversations by email only)")),
            None => {}
        }
        let limit = if query.limit == 0 { DEFAULT_PAGE } else { query.limit.min(MAX_PAGE) };
        Ok(Some(Asked {
            params,
            wanted: ViewFilter { status: statuses, ..ViewFilter::default() },
            channels: query.filter.channels.clone(),
            limit: u64::from(limit),
        }))
    }

    /// Rows `offset..offset + limit` (fewer where Bancroft caps `limit`).
    async fn window(&self, asked: &Asked, offset: u64, limit: u64) -> ProviderResult<Window> {
        let mut params = asked.params.clone();
        params.push(("limit", limit.clamp(1, u64::from(MAX_PAGE)).to_string()));
        params.push(("offset", offset.to_string()));
        let page = self.page(&params).await?;
        let got = page.rows.len() as u64;
        // A `next` link is Bancroft's word, even under a short page (a server may
        // cap `limit` below what was asked); without one, the count says, and
        // without that a full page may have more. An empty window ends it all.
        let below = got > 0
            && match (page.next_link(), page.count) {
                (Some(_), _) => true,
                _ if page.says_last() => false,
                (None, Some(total)) => offset.saturating_add(got) < total,
                (None, None) => got >= limit,
            };
        let rows = page
            .rows
            .into_iter()
            .map(|v| Row {
                id: match v.get("id") {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                },
                conversation: Conv::read(v).and_then(Conv::into_domain),
            })
            .collect();
        Ok(Window { start: offset, rows, count: page.count, below })
    }

    /// Rows `offset..offset + len`, in as many reads as a server that caps `limit`
    /// below what was asked needs (`SPAN_READS` at most): the rows around a
    /// cursor's row are only of use whole.
    async fn span(&self, asked: &Asked, offset: u64, len: u64) -> ProviderResult<Window> {
        let mut window = self.window(asked, offset, len).await?;
        for _ in 1..SPAN_READS {
            let got = window.rows.len() as u64;
            if !window.below || got == 0 || got >= len {
                break;
            }
            let more = self.window(asked, offset + got, len - got).await?;
            window.below = more.below;
            window.count = more.count.or(window.count);
            window.rows.extend(more.rows);
        }
        Ok(window)
    }

    /// The view's last page (`G`), by its count. The count comes again with the
    /// page: if the end moved by then, it is read again where it is now.
    async fn end(&self, asked: &Asked) -> ProviderResult<Cut> {
        let probe = self.window(asked, 0, 1).await?;
        let mut count = probe.count.ok_or_else(|| {
            ProviderError::Malformed(
                "Bancroft's list answered without a count, so the list's end is unknown (scroll down to reach it)"
                    .into(),
            )
        })?;
        let mut tries = 1;
        loop {
            let start = count.saturating_sub(asked.limit);
            let window = self.span(asked, start, asked.limit).await?;
            match window.count {
                Some(moved) if moved != count && tries < END_TRIES => count = moved,
                _ => return Ok(Cut { below: false, ..window.cut(0, usize::MAX) }),
            }
            tries += 1;
        }
    }

    /// The page below `c`: its row, a few rows either side of where it was, and a
    /// page after it; where the count moved and the row is not there, the page
    /// after the row where it went.
    async fn below(&self, asked: &Asked, c: &Cursor) -> ProviderResult<Cut> {
        let limit = asked.limit;
        let Some(beside) = &c.beside else {
            return Ok(self.window(asked, c.at, limit).await?.cut(0, usize::MAX));
        };
        // The row was at `offset - 1`.
        let was = c.at.saturating_sub(1);
        let start = was.saturating_sub(OVERLAP);
        let want = (was - start + 1 + limit + OVERLAP).min(u64::from(MAX_PAGE));
        let window = self.span(asked, start, want).await?;
        let page = usize::try_from(limit).unwrap_or(usize::MAX);
        if let Some(i) = window.find(beside) {
            return Ok(window.cut(i + 1, (i + 1).saturating_add(page)));
        }
        if let Some(now) = self.locate(asked, beside, was, c.shift(window.count)).await? {
            return Ok(self.window(asked, now + 1, limit).await?.cut(0, usize::MAX));
        }
        let at = usize::try_from(c.at - start).unwrap_or(usize::MAX);
        Ok(window.cut(at, at.saturating_add(page)))
    }

    /// The page above `c`: its row, a few rows either side of where it was, and a
    /// page before it; where the count moved and the row is not there, the page
    /// before the row where it went.
    async fn above(&self, asked: &Asked, c: &Cursor) -> ProviderResult<Cut> {
        let limit = asked.limit;
        let page = usize::try_from(limit).unwrap_or(usize::MAX);
        let Some(beside) = &c.beside else {
            return self.rows_before(asked, c.at).await;
        };
        // The row was at `offset`; the window ends `OVERLAP` rows past it.
        let end = c.at.saturating_add(1 + OVERLAP);
        let start = c.at.saturating_sub(limit + OVERLAP).max(end.saturating_sub(u64::from(MAX_PAGE)));
        let window = self.span(asked, start, end - start).await?;
        if let Some(i) = window.find(beside) {
            return Ok(Cut { below: true, ..window.cut(i.saturating_sub(page), i) });
        }
        if let Some(now) = self.locate(asked, beside, c.at, c.shift(window.count)).await? {
            return self.rows_before(asked, now).await;
        }
        let to = usize::try_from(c.at - start).unwrap_or(usize::MAX);
        Ok(Cut { below: true, ..window.cut(to.saturating_sub(page), to) })
    }

    /// The page of rows just above offset `end`.
    async fn rows_before(&self, asked: &Asked, end: u64) -> ProviderResult<Cut> {
        if end == 0 {
            // Above the first row: nothing.
            return Ok(Cut { rows: Vec::new(), first: 0, below: true, count: None });
        }
        let start = end.saturating_sub(asked.limit);
        let window = self.span(asked, start, end - start).await?;
        Ok(Cut { below: true, ..window.cut(0, usize::MAX) })
    }

    /// Where the row `id`, once at `was`, is now, when the count says the rows
    /// moved by `shift`: looked for between its old place and that place moved
    /// (changes above it move it all the way; those below, not at all), from the
    /// moved place towards the old one, a few reads at most. A server that caps
    /// `limit` is read in steps of what it gives.
    async fn locate(&self, asked: &Asked, id: &str, was: u64, shift: i64) -> ProviderResult<Option<u64>> {
        if shift == 0 {
            return Ok(None);
        }
        let moved = was.saturating_add_signed(shift);
        let (lo, hi) = (was.min(moved).saturating_sub(OVERLAP), was.max(moved).saturating_add(OVERLAP + 1));
        let mut step = u64::from(MAX_PAGE);
        // Going down from the moved place (rows pushed down) or up (pulled up).
        let mut at = if shift > 0 { hi } else { lo };
        for _ in 0..LOOK_AROUND * SPAN_READS {
            let (start, len) = if shift > 0 {
                let start = at.saturating_sub(step).max(lo);
                (start, at - start)
            } else {
                (at, step.min(hi - at))
            };
            if len == 0 {
                break;
            }
            let window = self.window(asked, start, len).await?;
            if let Some(i) = window.find(id) {
                return Ok(Some(start + i as u64));
            }
            let got = window.rows.len() as u64;
            if got < len && window.below {
                // Capped: the same place again, in steps of what came.
                step = got.max(1);
                if shift < 0 {
                    at += got;
                }
            } else if shift > 0 {
                at = start;
            } else if got == 0 {
                break;
            } else {
                at += got;
            }
        }
        Ok(None)
    }

    /// The rows of the view among those cut, freshest first, with cursors both
    /// ways from the cut's edges. A cut with no rows carries its cursor's row on.
    fn page_of(asked: &Asked, cut: Cut, cursor: Option<&Cursor>) -> Page<Conversation> {
        let beside = cursor.and_then(|c| c.beside.clone());
        let first_id = cut.rows.first().and_then(|r| r.id.clone()).or_else(|| beside.clone());
        let last_id = cut.rows.last().and_then(|r| r.id.clone()).or(beside);
        let (len, count) = (cut.rows.len() as u64, cut.count.or_else(|| cursor.and_then(|c| c.count)));
        let next_cursor = cut.below.then(|| Cursor { at: cut.first + len, count, beside: last_id }.encode());
        let prev_cursor = (cut.first > 0).then(|| Cursor { at: cut.first, count, beside: first_id }.encode());
        let mut items: Vec<Conversation> = cut
            .rows
            .into_iter()
            .filter_map(|r| r.conversation)
            .filter(|c| asked.wanted.takes_status(&c.status))
            .filter(|c| asked.channels.is_empty() || asked.channels.contains(&c.channel))
            .collect();
        items.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        items.clean();
        Page { items, next_cursor, prev_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_as_written_and_a_bare_offset_is_one() {
        let c = Cursor { at: 40, count: Some(113), beside: Some("a1b2c3d4-...".into()) };
        assert_eq!(c.encode(), "40.113.a1b2c3d4-...");
        assert_eq!(Cursor::parse("40.113.a1b2c3d4-..."), Some(c));
        assert_eq!(Cursor::parse("25"), Some(Cursor { at: 25, count: None, beside: None }));
        assert_eq!(Cursor::parse("25..r7"), Some(Cursor { at: 25, count: None, beside: Some("r7".into()) }));
        assert_eq!(Cursor::parse("x.1.r7"), None);
        assert_eq!(Cursor::parse(""), None);
    }

    #[test]
    fn the_count_says_how_far_the_rows_moved() {
        let c = Cursor { at: 40, count: Some(100), beside: None };
        assert_eq!([Some(103), Some(90), None].map(|n| c.shift(n)), [3, -10, 0]);
        assert_eq!(Cursor { count: None, ..c }.shift(Some(5)), 0);
    }
}
