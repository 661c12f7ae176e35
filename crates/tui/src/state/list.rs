//! The conversation list of the active view: its rows, what is lit and shown, how
//! far it has loaded, and the id set that keeps appending a page the cost of the page.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use frontdesk_domain::{Agent, AgentId, Conversation, ConversationId};

/// The conversation list of the active view.
#[derive(Clone, Debug, Default)]
pub struct ConversationList {
    /// Change it through the methods below (`set_items`, `insert_item`, …), which
    /// keep `ids` with it; a direct assignment is noticed and the set rebuilt.
    pub items: Vec<Conversation>,
    /// The ids in `items`: whether a row of an appended page is listed already is
    /// then the cost of the page, not of the list (a page at 100,000 rows cost
    /// 40 times one at 100 when every append collected every id).
    ids: HashSet<ConversationId>,
    /// Which `items` the set was made for: the buffer's address and length. A
    /// direct assignment brings another buffer; a push, another length.
    ids_of: (usize, usize),
    /// Each assignee once, shared by the rows assigned to them: a row held its own
    /// copy, some 200 bytes of 1,500 a row at 100,000 rows.
    agents: HashMap<AgentId, Arc<Agent>>,
    /// Indices into `items` that pass the local filter; `None` when there is none.
    pub visible: Option<Vec<usize>>,
    /// Position in the visible rows.
    pub selected: usize,
    /// First visible row drawn; kept by `update` so the selection stays on screen.
    pub offset: usize,
    pub next_cursor: Option<String>,
    /// The rows were read from the view's end (`G`) and more wait above them.
    pub prev_cursor: Option<String>,
    pub loading: bool,
    /// Where the agent sent the selection, past what is loaded (`G`, `g g`), until
    /// it is there.
    pub going: Option<Going>,
    /// A first page has arrived for the current view.
    pub loaded: bool,
    /// What is shown came from the cache; the server's page is on its way.
    pub from_cache: bool,
    /// Why the last page could not be loaded, until one is: the list says it in
    /// full instead of calling an empty list "all caught up".
    pub failed: Option<ListFailure>,
    /// Replies to older requests carry older generations and are dropped.
    pub generation: u64,
    /// The local filter (`/`), applied to what is loaded.
    pub filter: Option<String>,
    /// A whole-inbox search (`q` on the server).
    pub search: Option<String>,
    pub marked: BTreeSet<ConversationId>,
    /// Where the last mark was made, for a range.
    pub anchor: Option<usize>,
    /// Where the pages read one after another meet, with the cursors that read
    /// across: rows far from the lit one are let go at a seam, and read again
    /// when the agent comes back to them.
    seams: Vec<Seam>,
    /// How many rows the list holds before it lets go of far ones.
    pub window: Window,
}

/// Where two pages read one after the other meet: the row above, the row below,
/// and the cursors that read the rows above it (`up`) and below it (`down`).
#[derive(Clone, Debug)]
struct Seam {
    above: ConversationId,
    below: ConversationId,
    up: Option<String>,
    down: Option<String>,
}

/// Rows the list holds before letting go of those far from the lit one: scrolled
/// through 100,000 conversations it holds a few thousand, not all of them (a
/// row costs about 1.2 KB; all of 91,000 held 130 MB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window(pub usize);

impl Default for Window {
    fn default() -> Self {
        Self(3_000)
    }
}

impl ConversationList {
    /// Rebuilds `ids` when `items` was changed around the methods.
    fn sync_ids(&mut self) {
        if self.ids_of != self.items_key() || self.ids.len() != self.items.len() {
            self.ids = self.items.iter().map(|c| c.id.clone()).collect();
            self.ids_of = self.items_key();
        }
    }

    fn items_key(&self) -> (usize, usize) {
        // The address only tells buffers apart; it is never dereferenced.
        (self.items.as_ptr() as usize, self.items.len())
    }

    /// An empty list for a new view or search, answering to `generation`.
    #[must_use]
    pub fn starting(generation: u64) -> Self {
        Self { generation, ..Self::default() }
    }

    /// An empty list waiting for its first page.
    #[must_use]
    pub fn loading() -> Self {
        Self { loading: true, ..Self::default() }
    }

    /// Whether a conversation is loaded in the list.
    pub fn lists(&mut self, id: &ConversationId) -> bool {
        self.sync_ids();
        self.ids.contains(id)
    }

    /// The row's assignee as the list already holds them, when it is the same agent.
    fn share(&mut self, mut c: Conversation) -> Conversation {
        if let Some(a) = &mut c.assignee {
            match self.agents.get(&a.id) {
                Some(held) if **held == **a => *a = Arc::clone(held),
                _ => {
                    self.agents.insert(a.id.clone(), Arc::clone(a));
                }
            }
        }
        c
    }

    /// Replaces every row; a page with a row twice keeps it once.
    pub fn set_items(&mut self, items: Vec<Conversation>) {
        let mut ids = HashSet::with_capacity(items.len());
        self.agents.clear();
        let items: Vec<Conversation> = items.into_iter().filter(|c| ids.insert(c.id.clone())).collect();
        self.items = items.into_iter().map(|c| self.share(c)).collect();
        self.ids = ids;
        self.ids_of = self.items_key();
        self.seams.clear();
    }

    /// A page read below the rows (`prev` reads above its first row, `next` below
    /// its last): appended, and where it meets them remembered.
    pub fn append_page(&mut self, items: Vec<Conversation>, prev: Option<String>, next: Option<String>) {
        let above = self.items.last().map(|c| c.id.clone());
        let first = items.first().map(|c| c.id.clone());
        let down = std::mem::replace(&mut self.next_cursor, next);
        let len = self.items.len();
        self.append_new(items);
        // A page whose first row was listed already does not begin where its
        // cursor says: no seam there.
        if let (Some(above), Some(below)) = (above, first)
            && self.items.get(len).is_some_and(|c| c.id == below)
        {
            self.seams.push(Seam { above, below, up: prev, down });
        }
    }

    /// A page read above the rows: put above (`prepend_new`), and where it meets
    /// them remembered.
    pub fn prepend_page(&mut self, items: Vec<Conversation>, prev: Option<String>, next: Option<String>) {
        let below = self.items.first().map(|c| c.id.clone());
        let last = items.last().map(|c| c.id.clone());
        let up = std::mem::replace(&mut self.prev_cursor, prev);
        let added = self.prepend_new(items);
        if let (Some(above), Some(below)) = (last, below)
            && added > 0
            && self.items.get(added - 1).is_some_and(|c| c.id == above)
        {
            self.seams.push(Seam { above, below, up, down: next });
        }
    }

    /// Lets go of the rows beyond a seam at least half a window from the lit row,
    /// once the list holds more than a window: the cursor at the seam reads them
    /// again. The lit row, and what is on screen, stay where they are. A seam
    /// whose two rows are no longer side by side (a row moved, or left) is not
    /// cut at. Returns whether rows were let go.
    pub fn trim(&mut self) -> bool {
        let Window(window) = self.window;
        if self.items.len() <= window {
            return false;
        }
        let Some(lit) = self.index(self.selected) else { return false };
        // The set is kept with the rows below: made right first if they were assigned.
        self.sync_ids();
        let at: HashMap<&ConversationId, usize> = self.items.iter().enumerate().map(|(i, c)| (&c.id, i)).collect();
        let reach = window / 2;
        let mut top: Option<(usize, Option<String>)> = None;
        let mut bottom: Option<(usize, Option<String>)> = None;
        for seam in &self.seams {
            let Some(&i) = at.get(&seam.below) else { continue };
            if i == 0 || self.items[i - 1].id != seam.above {
                continue;
            }
            if seam.up.is_some() && i + reach <= lit && top.as_ref().is_none_or(|(t, _)| i > *t) {
                top = Some((i, seam.up.clone()));
            }
            if seam.down.is_some() && i >= lit + reach && bottom.as_ref().is_none_or(|(b, _)| i < *b) {
                bottom = Some((i, seam.down.clone()));
            }
        }
        drop(at);
        let trimmed = top.is_some() || bottom.is_some();
        if let Some((cut, down)) = bottom {
            for c in self.items.drain(cut..) {
                self.ids.remove(&c.id);
            }
            self.next_cursor = down;
            if let Some(v) = &mut self.visible {
                v.retain(|&i| i < cut);
            }
            let len = self.len();
            self.anchor = self.anchor.filter(|&a| a < len);
        }
        if let Some((cut, up)) = top {
            for c in self.items.drain(..cut) {
                self.ids.remove(&c.id);
            }
            self.prev_cursor = up;
            // Visible rows gone above the lit one: the selection, the screen
            // and the range's anchor move up by as many.
            let gone = match &mut self.visible {
                Some(v) => {
                    let gone = v.iter().take_while(|&&i| i < cut).count();
                    v.drain(..gone);
                    for i in v.iter_mut() {
                        *i -= cut;
                    }
                    gone
                }
                None => cut,
            };
            self.selected -= gone;
            self.offset = self.offset.saturating_sub(gone);
            self.anchor = self.anchor.and_then(|a| a.checked_sub(gone));
        }
        if trimmed {
            self.ids_of = self.items_key();
            let ids = &self.ids;
            self.seams.retain(|s| ids.contains(&s.above) && ids.contains(&s.below));
        }
        trimmed
    }

    /// Appends the rows not listed yet (a row can move between pages while they load).
    pub fn append_new(&mut self, items: Vec<Conversation>) {
        self.sync_ids();
        for c in items {
            if self.ids.insert(c.id.clone()) {
                let c = self.share(c);
                self.items.push(c);
            }
        }
        self.ids_of = self.items_key();
    }

    /// Puts the rows not listed yet above the others (the page above rows read
    /// from the view's end). The lit row stays on its conversation; how many rows
    /// came is returned.
    pub fn prepend_new(&mut self, items: Vec<Conversation>) -> usize {
        self.sync_ids();
        let mut above = Vec::with_capacity(items.len());
        for c in items {
            if self.ids.insert(c.id.clone()) {
                above.push(self.share(c));
            }
        }
        let added = above.len();
        self.items.splice(0..0, above);
        self.ids_of = self.items_key();
        match &mut self.visible {
            // Filtered rows keep naming theirs until the filter is applied again.
            Some(v) => v.iter_mut().for_each(|i| *i += added),
            None => self.selected += added,
        }
        added
    }

    pub fn insert_item(&mut self, at: usize, c: Conversation) {
        self.sync_ids();
        if self.ids.insert(c.id.clone()) {
            let c = self.share(c);
            self.items.insert(at.min(self.items.len()), c);
        }
        self.ids_of = self.items_key();
    }

    pub fn remove_item(&mut self, pos: usize) -> Option<Conversation> {
        self.sync_ids();
        let removed = (pos < self.items.len()).then(|| {
            let c = self.items.remove(pos);
            self.ids.remove(&c.id);
            c
        });
        self.ids_of = self.items_key();
        removed
    }

    pub fn retain_items(&mut self, mut keep: impl FnMut(&Conversation) -> bool) {
        self.items.retain(|c| keep(c));
        self.ids = self.items.iter().map(|c| c.id.clone()).collect();
        self.ids_of = self.items_key();
    }

    pub fn len(&self) -> usize {
        self.visible.as_ref().map_or(self.items.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index into `items` of visible row `row`.
    pub fn index(&self, row: usize) -> Option<usize> {
        match &self.visible {
            Some(v) => v.get(row).copied(),
            None => (row < self.items.len()).then_some(row),
        }
    }

    pub fn row(&self, row: usize) -> Option<&Conversation> {
        self.index(row).and_then(|i| self.items.get(i))
    }

    pub fn current(&self) -> Option<&Conversation> {
        self.row(self.selected)
    }

    pub fn position(&self, id: &ConversationId) -> Option<usize> {
        self.items.iter().position(|c| &c.id == id)
    }

    pub fn get_mut(&mut self, id: &ConversationId) -> Option<&mut Conversation> {
        self.items.iter_mut().find(|c| &c.id == id)
    }
}

/// Past the loaded rows, to the end of the view or its top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Going {
    /// `G` on a backend that cannot give a view's last page: each page in turn, the
    /// selection following.
    Down,
    /// `G`: the view's last page, asked for at once; the lit row stays lit until it
    /// is here, then the last row is.
    End,
    /// `g g` over rows read from the end: the view's first page, asked for anew; the
    /// lit row stays until it is here, then the first row is.
    Top,
}

/// Why the list could not be loaded, by what the agent can do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListFailure {
    /// The server turned the key down: trying again will not help.
    KeyRefused(String),
    /// Anything else (unreachable, an answer that cannot be read, a 5xx).
    Other(String),
}
