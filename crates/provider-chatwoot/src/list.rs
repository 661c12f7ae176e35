//! The conversation list, paged by Chatwoot's page numbers (25 a page) in both
//! directions: down from the first page, and up from the last, which the view's
//! count in `meta` names, so `G` reads one page rather than every one.
//!
//! A page number is a place in a list that moves: a new conversation pushes every
//! row down one, a resolved one pulls them up. Read down, a push repeats rows and
//! a pull skips the rows that rose onto the page above; read up, the other way
//! round. So each cursor carries the view's count when it was made and the row
//! beside it (the last handed out above, or the first below). While the count
//! stands, the page is read as it is. When it moved, that row is looked for where
//! the change could have taken it (a few pages at most), and the rows on its far
//! side handed out: none skipped, none twice. A change that adds as many as it
//! removes leaves the count as it was and is not seen; nor is a row that is gone.

use std::collections::BTreeMap;

use frontdesk_domain::{AssigneeFilter, Clean, Conversation, Page, Status, ViewFilter};
use frontdesk_provider::anchor::Anchor;
use frontdesk_provider::{ListQuery, ProviderError, ProviderResult, Towards};
use reqwest::Method;

use super::wire::{self, Conv, ConversationList};
use super::{ChatwootProvider, LABEL, PAGE, builtin_views};

/// Reads of the last page when its number moves under them, at most.
const END_TRIES: usize = 3;
/// Pages read to find where the cursor's row went, at most.
const LOOK_AROUND: usize = 4;

/// Where the next read begins: the page, the view's count when the cursor was
/// made, and the row on the near side of the page (above it going down, below
/// it going up). A bare page number (an older cursor) reads just that page.
type Cursor = Anchor<u32>;

/// The cursor `text` names: pages count from 1.
fn cursor(text: &str) -> Option<Cursor> {
    Cursor::parse(text).filter(|c| c.at > 0)
}

/// The last page's number for a view of `count` conversations (1 when empty).
fn pages(count: u64) -> u32 {
    u32::try_from(count.div_ceil(PAGE as u64)).unwrap_or(u32::MAX).max(1)
}

/// One page as Chatwoot sent it: every row it could read, in its order (before
/// the statuses asked for are picked), and the view's count beside it.
struct Read {
    rows: Vec<Conversation>,
    full: bool,
    count: Option<u64>,
}

/// What a listing asks of Chatwoot, whichever page.
struct Asked {
    params: Vec<(&'static str, String)>,
    assignee: &'static str,
    filter: ViewFilter,
}

fn position(rows: &[Conversation], id: &str) -> Option<usize> {
    rows.iter().position(|c| c.id.as_str() == id)
}

/// The pages one listing has read, so none is asked for twice.
struct Reads<'p> {
    provider: &'p ChatwootProvider,
    asked: &'p Asked,
    got: BTreeMap<u32, Read>,
}

impl Reads<'_> {
    async fn page(&mut self, page: u32) -> ProviderResult<&Read> {
        if !self.got.contains_key(&page) {
            let read = self.provider.read(self.asked, page).await?;
            self.got.insert(page, read);
        }
        self.got.get(&page).ok_or_else(|| ProviderError::Malformed("a page read went missing".into()))
    }

    /// The page and place of `id` among the pages read.
    fn find(&self, id: &str) -> Option<(u32, usize)> {
        self.got.iter().find_map(|(&p, r)| position(&r.rows, id).map(|i| (p, i)))
    }

    /// Where `id` is now: among the pages read, else on the pages between its old
    /// place (0-based, in the whole view) and that place moved by `shift`, the
    /// count's change, nearest the moved place first (changes above it move it
    /// all the way; those below, not at all). A few pages at most.
    async fn locate(&mut self, id: &str, was: u64, shift: i64) -> ProviderResult<Option<(u32, usize)>> {
        if let Some(spot) = self.find(id) {
            return Ok(Some(spot));
        }
        let per = i64::try_from(PAGE).unwrap_or(i64::MAX);
        let page_of = |at: i64| u32::try_from(at.max(0) / per + 1).unwrap_or(u32::MAX);
        let was = i64::try_from(was).unwrap_or(i64::MAX);
        let (from, to) = (page_of(was.saturating_add(shift)), page_of(was));
        let pages: Vec<u32> = if from <= to { (from..=to).collect() } else { (to..=from).rev().collect() };
        for page in pages.into_iter().take(LOOK_AROUND) {
            if self.got.contains_key(&page) {
                continue;
            }
            self.page(page).await?;
            if let Some(spot) = self.find(id) {
                return Ok(Some(spot));
            }
        }
        Ok(None)
    }

    fn take(&mut self, page: u32) -> Read {
        self.got.remove(&page).unwrap_or(Read { rows: Vec::new(), full: false, count: None })
    }
}

/// What a read hands out: the rows, the pages the first and the last came from,
/// and whether a page below the last may hold more.
struct Taken {
    rows: Vec<Conversation>,
    first: u32,
    last: u32,
    below: bool,
}

impl Taken {
    fn whole(page: u32, read: Read, below: bool) -> Self {
        Self { rows: read.rows, first: page, last: page, below }
    }
}

impl ChatwootProvider {
    pub(crate) async fn list_page(&self, query: ListQuery) -> ProviderResult<Page<Conversation>> {
        let asked = Self::asked(&query)?;
        let cursor = query.cursor.as_deref().and_then(cursor);
        let mut reads = Reads { provider: self, asked: &asked, got: BTreeMap::new() };
        let (taken, count) = match (query.towards, &cursor) {
            (Towards::Down, None) => {
                let read = reads.page(1).await?;
                let (full, count) = (read.full, read.count);
                (Taken::whole(1, reads.take(1), full), count)
            }
            (Towards::Up, None) => {
                let (page, read) = self.last_page(&asked).await?;
                let count = read.count;
                // The end of the view: nothing below it.
                (Taken::whole(page, read, false), count)
            }
            (towards, Some(c)) => {
                let count = reads.page(c.at).await?.count;
                let taken = if let Some(beside) = &c.beside {
                    Self::beside(&mut reads, towards, c, beside, count).await?
                } else {
                    let read = reads.take(c.at);
                    let below = towards == Towards::Up || read.full;
                    Taken::whole(c.at, read, below)
                };
                (taken, count)
            }
        };
        // A read with no rows to hand out carries its cursor's row on.
        let beside = cursor.and_then(|c| c.beside);
        let first_id = taken.rows.first().map(|c| c.id.to_string()).or_else(|| beside.clone());
        let last_id = taken.rows.last().map(|c| c.id.to_string()).or(beside);
        let next_cursor = (taken.below && taken.last < u32::MAX)
            .then(|| Cursor { at: taken.last + 1, count, beside: last_id }.encode());
        let prev_cursor = (taken.first > 1).then(|| Cursor { at: taken.first - 1, count, beside: first_id }.encode());
        let mut items: Vec<Conversation> =
            taken.rows.into_iter().filter(|c| asked.filter.takes_status(&c.status)).collect();
        if let Ok(mut labels) = self.labels.lock() {
            labels.extend(items.iter().flat_map(|c| c.tags.iter().cloned()));
        }
        items.clean();
        Ok(Page { items, next_cursor, prev_cursor })
    }

    /// The rows next to the cursor's row, the way the list is read: below it
    /// going down, above it going up. Page `c.at` is read already. When the
    /// view's count is as it was and the row is not on that page, the rows did
    /// not move: the page is the answer. Otherwise the row is looked for where the
    /// count says it went (it was the last row above the page, or the first below).
    async fn beside(
        reads: &mut Reads<'_>,
        towards: Towards,
        c: &Cursor,
        beside: &str,
        count: Option<u64>,
    ) -> ProviderResult<Taken> {
        let shift = c.shift(count);
        let up = towards == Towards::Up;
        if shift == 0 && reads.find(beside).is_none() {
            let read = reads.take(c.at);
            let below = up || read.full;
            return Ok(Taken::whole(c.at, read, below));
        }
        let per = PAGE as u64;
        let was = if up { u64::from(c.at) * per } else { (u64::from(c.at) - 1) * per };
        // Going down the row was the one before `was`.
        let spot = reads.locate(beside, if up { was } else { was.saturating_sub(1) }, shift).await?;
        let Some((page, i)) = spot else {
            // It moved on its own (new activity takes it to the top) or went:
            // the page as it is now.
            let read = reads.take(c.at);
            let below = up || read.full;
            return Ok(Taken::whole(c.at, read, below));
        };
        Ok(if up {
            match i {
                0 if page > 1 => {
                    reads.page(page - 1).await?;
                    Taken::whole(page - 1, reads.take(page - 1), true)
                }
                // The first row of the view: nothing above it.
                0 => Taken { rows: Vec::new(), first: 1, last: 1, below: true },
                _ => {
                    let mut rows = reads.take(page).rows;
                    rows.truncate(i);
                    // The page above it, when read already, goes with them.
                    let mut first = page;
                    if page > 1 && reads.got.contains_key(&(page - 1)) {
                        first = page - 1;
                        rows.splice(0..0, reads.take(first).rows);
                    }
                    Taken { rows, first, last: page, below: true }
                }
            }
        } else {
            let read = reads.take(page);
            if i + 1 < read.rows.len() {
                let mut rows: Vec<Conversation> = read.rows.into_iter().skip(i + 1).collect();
                // The page below it, when read already, goes with them.
                let (mut last, mut below) = (page, read.full);
                if read.full && reads.got.contains_key(&(page + 1)) {
                    let next = reads.take(page + 1);
                    (last, below) = (page + 1, next.full);
                    rows.extend(next.rows);
                }
                Taken { rows, first: page, last, below }
            } else if read.full {
                reads.page(page + 1).await?;
                let next = reads.take(page + 1);
                let full = next.full;
                Taken::whole(page + 1, next, full)
            } else {
                // The last row of the view: nothing below it.
                Taken { rows: Vec::new(), first: page, last: page, below: false }
            }
        })
    }

    /// The view's filter as Chatwoot's parameters (no page yet).
    fn asked(query: &ListQuery) -> ProviderResult<Asked> {
        let view = query.view.as_ref().map_or("all", |v| v.as_str());
        let mut filter = match view.strip_prefix(LABEL) {
            Some(label) => {
                ViewFilter { tags: vec![label.to_owned()], status: vec![Status::Open], ..ViewFilter::default() }
            }
            None => builtin_views()
                .into_iter()
                .find(|v| v.id.as_str() == view)
                .map(|v| v.filter)
                .ok_or(ProviderError::Unsupported("this view"))?,
        };
        if !query.filter.status.is_empty() {
            filter.status.clone_from(&query.filter.status);
        }
        let assignee = match &filter.assignee {
            Some(AssigneeFilter::Me) => "me",
            Some(AssigneeFilter::Unassigned) => "unassigned",
            _ => "all",
        };
        // One status goes to Chatwoot; several are asked as "all" and kept here.
        let status = match filter.status.as_slice() {
            [one] => wire::status_name(one),
            _ => "all",
        };
        let mut params = vec![("status", status.to_owned())];
        params.extend(filter.tags.iter().map(|l| ("labels", l.clone())));
        if let Some(q) = query.filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            params.push(("q", q.trim().to_owned()));
        }
        Ok(Asked { params, assignee, filter })
    }

    async fn read(&self, asked: &Asked, page: u32) -> ProviderResult<Read> {
        let mut params = vec![("assignee_type", asked.assignee.to_owned())];
        params.extend(asked.params.iter().cloned());
        params.push(("page", page.to_string()));
        let answer: ConversationList = self.call(self.request(Method::GET, "/conversations").query(&params)).await?;
        let full = answer.data.payload.len() >= PAGE;
        let rows = answer
            .data
            .payload
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<Conv>(v) {
                Ok(c) => c.into_domain(),
                Err(e) => {
                    tracing::warn!(error = %e, "skipped a conversation Chatwoot sent unreadable");
                    None
                }
            })
            .collect();
        Ok(Read { rows, full, count: answer.data.meta.of(asked.assignee) })
    }

    /// The view's last page, by its count in `meta`. The count comes again with
    /// the page: if the last page is another by then, that one is read instead.
    async fn last_page(&self, asked: &Asked) -> ProviderResult<(u32, Read)> {
        let meta: wire::MetaAnswer =
            self.call(self.request(Method::GET, "/conversations/meta").query(&asked.params)).await?;
        let count = meta.meta.of(asked.assignee).ok_or_else(|| {
            ProviderError::Malformed(format!(
                "Chatwoot's /conversations/meta answered without {}, so the list's end is unknown \
                 (scroll down to reach it)",
                wire::Counts::field(asked.assignee)
            ))
        })?;
        let mut page = pages(count);
        let mut tries = 1;
        loop {
            let read = self.read(asked, page).await?;
            match read.count.map(pages) {
                Some(moved) if moved != page && tries < END_TRIES => page = moved,
                _ => return Ok((page, read)),
            }
            tries += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_as_written_and_a_bare_page_number_is_one() {
        let c = Cursor { at: 4, count: Some(103), beside: Some("8812".into()) };
        assert_eq!(c.encode(), "4.103.8812");
        assert_eq!(cursor("4.103.8812"), Some(c));
        assert_eq!(cursor("3"), Some(Cursor { at: 3, count: None, beside: None }));
        assert_eq!(cursor("2..77"), Some(Cursor { at: 2, count: None, beside: Some("77".into()) }));
        assert_eq!(cursor("0"), None);
        assert_eq!(cursor("x.1.2"), None);
    }

    #[test]
    fn the_last_page_of_a_view_by_its_count() {
        assert_eq!([0, 1, 25, 26, 50, 51].map(pages), [1, 1, 1, 2, 2, 3]);
    }
}
