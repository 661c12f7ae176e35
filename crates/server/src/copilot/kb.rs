//! The knowledge base: the canned answers in `assets/kb/answers.toml` (compiled in),
//! checked and BM25-indexed once at start-up, and the embedded engine that drafts a
//! reply from the best match for a conversation.
//!
//! Retrieval: two BM25 indexes, one over each answer's title and keywords, one over
//! its body, the body counting less (see [`FIELDS`]). The query is the customer's
//! side of the thread, weighted so the newest message counts most (see
//! [`query_parts`]). Scores are the crate `bm25`'s (Okapi BM25, k1 = 1.2, b = 0.75,
//! average length fitted to each field), with our own stop list.
//! Below [`MIN_SCORE`] nothing is relevant and the `[fallback]` answer is used.
//!
//! To add an answer, edit the TOML (its header explains the format); the tests check
//! every entry. To change ranking, change [`query_parts`] or the weights, then run the
//! retrieval table test (`realistic_questions_find_their_answer`).

use std::{collections::HashSet, fmt, sync::LazyLock};

use bm25::{DefaultTokenizer, Embedder, EmbedderBuilder, Embedding, Language, Scorer, TokenEmbedding, Tokenizer};
use regex::Regex;
use serde::Deserialize;

use super::fill::{self, Fill, PLACEHOLDERS};
use super::{CopilotError, Draft, SuggestContext};
use frontdesk_domain::{AuthorKind, Channel, MessageKind, NextAction};

/// The knowledge base shipped with the binary.
const EMBEDDED: &str = include_str!("../../assets/kb/answers.toml");

/// The lowest combined score that counts as relevant. Calibrated on this KB: small
/// talk that happens to share a word with an answer ("I like your website") scores
/// under 4, real questions 5 and up (see `scores_separate_questions_from_noise`).
pub const MIN_SCORE: f32 = 4.0;

/// How much each part of the thread counts in the query.
const WEIGHT_LAST_INBOUND: f32 = 1.0;
/// The customer's other messages since our last reply: the same turn, often the
/// question split over several texts.
const WEIGHT_SAME_TURN: f32 = 0.6;
const WEIGHT_SUBJECT: f32 = 0.5;
/// Older customer messages: context, but the topic may have moved on.
const WEIGHT_EARLIER: f32 = 0.25;
/// How many customer messages the query looks at, newest first.
const MAX_INBOUND: usize = 8;

/// The sign-off the engine adds to email replies; chat and SMS replies go without.
const EMAIL_SIGN_OFF: &str = "\n\nBest regards,\n{agent_name}";

/// Words that say nothing about what a support message is about. Ours rather than
/// the stop list `bm25` ships (the ISO list), which drops "order", "problem",
/// "available", "open", "thanks" and "working": the very words this KB is about.
const STOP_WORDS: &str = "\
    a an the and or but if then so of to in on at for with from by about as into \
    onto than too very just also is are was were be been being am do does did doing \
    done have has had having i me my myself mine we us our ours you your yours he \
    him his she her it its they them their this that these those there here can \
    could would should will shall may might must hi hello hey dear please pls plz ok \
    okay yes yeah any some all still already again get got help need want i'm i've \
    i'd i'll it's that's you're we're they're there's what's regards best kind when \
    what how which who why like much really question questions know let something \
    thing things one sure";

/// `{name}` placeholders, blanked out of the indexed text.
static PLACEHOLDER_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"\{[a-z_]+\}").expect("placeholder pattern")
});

/// The next-best-action vocabulary the server and the client understand.
static ACTION: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(
        r"^(close|handoff|snooze:[1-9][0-9]*[mhdw]|tag:[a-z0-9][a-z0-9-]*|assign_team:[a-z0-9][a-z0-9_-]*|priority:(low|normal|high|urgent))$",
    )
    .expect("action pattern")
});

static KEBAB: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("kebab pattern")
});

/// `order {order_id}` when no order number is known: the safety net behind the
/// `*_no_order` variants, so a raw placeholder can never reach a customer.
static ORDER_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"(?i)\border \{order_id\}").expect("order phrase pattern")
});

/// One canned answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Kebab-case, unique; what a suggestion lists in `sources`.
    pub id: String,
    pub title: String,
    /// Extra words for retrieval only.
    #[serde(default)]
    pub keywords: String,
    pub body: String,
    /// For SMS and `WhatsApp`.
    #[serde(default)]
    pub short: Option<String>,
    /// `body` for a thread without an order number; required when `body` uses one.
    #[serde(default)]
    pub body_no_order: Option<String>,
    /// Likewise for `short`.
    #[serde(default)]
    pub short_no_order: Option<String>,
    #[serde(default)]
    pub actions: Vec<NextAction>,
}

impl Answer {
    /// The reply as the customer would read it on `channel`, every placeholder filled.
    ///
    /// SMS and `WhatsApp` get `short`, or the first paragraph of `body`; email gets a
    /// sign-off. When the thread has no order number, the `*_no_order` variant is used.
    #[must_use]
    pub fn text(&self, fill: &Fill, channel: Channel) -> String {
        let has_order = fill.order_id.is_some();
        let pick = |main: &'_ str, no_order: Option<&'_ str>| -> String {
            match no_order {
                Some(alt) if !has_order && fill::uses(main, "order_id") => alt.to_owned(),
                _ => main.to_owned(),
            }
        };
        let body = || pick(&self.body, self.body_no_order.as_deref());
        let mut template = match channel {
            Channel::Sms | Channel::Whatsapp => match &self.short {
                Some(short) => pick(short, self.short_no_order.as_deref()),
                None => first_paragraph(&body()).to_owned(),
            },
            Channel::Email => format!("{}{EMAIL_SIGN_OFF}", body().trim_end()),
            Channel::Web | Channel::Voice | Channel::Api => body(),
        };
        if !has_order {
            template = ORDER_PHRASE.replace_all(&template, "your order").replace("{order_id}", "your order");
        }
        fill.render(template.trim())
    }

    /// Every text of the answer a customer may see, with its field name.
    fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("body", Some(self.body.as_str())),
            ("short", self.short.as_deref()),
            ("body_no_order", self.body_no_order.as_deref()),
            ("short_no_order", self.short_no_order.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, text)| text.map(|t| (name, t)))
    }

    /// What the title-and-keywords field indexes: the title twice (it is the most
    /// precise description), then the keywords.
    fn heading_text(&self) -> String {
        format!("{t}\n{t}\n{}", self.keywords, t = self.title)
    }

    /// What the body field indexes: every variant, placeholders blanked.
    fn body_text(&self) -> String {
        let text: Vec<&str> = self.texts().map(|(_, t)| t).collect();
        PLACEHOLDER_TEXT.replace_all(&text.join("\n"), " ").into_owned()
    }

    /// Checks one answer against the rules in the TOML's header.
    fn validate(&self) -> Result<(), String> {
        let id = &self.id;
        if !KEBAB.is_match(id) {
            return Err(format!("answer id {id:?} is not kebab-case (like \"refund-status\")"));
        }
        if self.title.trim().is_empty() || self.body.trim().is_empty() {
            return Err(format!("answer {id:?} needs a title and a body"));
        }
        for (field, text) in self.texts() {
            if text.trim().is_empty() {
                return Err(format!("answer {id:?}: {field} is empty"));
            }
            if let Some(unknown) = fill::placeholders_in(text).find(|p| !PLACEHOLDERS.contains(p)) {
                return Err(format!(
                    "answer {id:?}: {field} uses {{{unknown}}}, which the engine does not fill \
                     (known: {})",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ));
            }
            if !first_name_follows_greeting(text) {
                return Err(format!(
                    "answer {id:?}: {field} uses {{first_name}} other than after a greeting \
                     (\"Hi\", \"Hello\"); \
                     it reads \"there\" when the name is unknown"
                ));
            }
        }
        for (main, field, alt) in [
            (Some(&self.body), "body_no_order", &self.body_no_order),
            (self.short.as_ref(), "short_no_order", &self.short_no_order),
        ] {
            let needs_alt = main.is_some_and(|m| fill::uses(m, "order_id"));
            match alt {
                None if needs_alt => {
                    return Err(format!("answer {id:?} uses {{order_id}} and needs {field} for threads without one"));
                }
                Some(_) if !needs_alt => {
                    return Err(format!("answer {id:?}: {field} is set but its main text does not use {{order_id}}"));
                }
                Some(alt) if fill::uses(alt, "order_id") => {
                    return Err(format!("answer {id:?}: {field} must not use {{order_id}}"));
                }
                _ => {}
            }
        }
        if self.actions.is_empty() {
            return Err(format!("answer {id:?} needs at least one action"));
        }
        for a in &self.actions {
            if !ACTION.is_match(&a.action) {
                return Err(format!(
                    "answer {id:?}: action {:?} is not one of close, handoff, \
                     snooze:<N>m|h|d|w, tag:<tag>, \
                     assign_team:<team>, priority:low|normal|high|urgent",
                    a.action
                ));
            }
            if a.label.trim().is_empty() {
                return Err(format!("answer {id:?}: action {:?} needs a label", a.action));
            }
        }
        Ok(())
    }
}

/// `{first_name}` may only follow a greeting: with an unknown name it becomes "there".
fn first_name_follows_greeting(text: &str) -> bool {
    text.match_indices("{first_name}").all(|(at, _)| {
        let before = text[..at].trim_end_matches(' ');
        ["Hi", "Hello", "Hey", "Dear"]
            .iter()
            .any(|g| before.ends_with(g) && !before[..before.len() - g.len()].ends_with(char::is_alphanumeric))
    })
}

fn first_paragraph(text: &str) -> &str {
    let text = text.trim();
    text.split("\n\n").map(str::trim).find(|p| !p.is_empty()).unwrap_or(text)
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    fallback: Answer,
    #[serde(rename = "answer", default)]
    answers: Vec<Answer>,
}

/// One answer found for a query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit<'a> {
    pub answer: &'a Answer,
    pub score: f32,
}

/// BM25's default tokenizer (Unicode normalisation, lower case, English stemming) with
/// our stop list instead of the crate's.
struct SupportTokenizer {
    inner: DefaultTokenizer,
    /// The stop words as the stemmer leaves them.
    stop: HashSet<String>,
}

impl SupportTokenizer {
    fn new() -> Self {
        let inner = DefaultTokenizer::builder()
            .language_mode(Language::English)
            .normalization(true)
            .stopwords(false)
            .stemming(true)
            .build();
        let stop = STOP_WORDS.split_whitespace().flat_map(|w| Tokenizer::tokenize(&inner, w)).collect();
        Self { inner, stop }
    }
}

impl Tokenizer for SupportTokenizer {
    fn tokenize(&self, input_text: &str) -> Vec<String> {
        let mut tokens = Tokenizer::tokenize(&self.inner, input_text);
        tokens.retain(|t| !self.stop.contains(t));
        tokens
    }
}

/// The answers, their index, and the fallback. Built once; read-only afterwards, so
/// it is shared across requests without a lock.
pub struct KnowledgeBase {
    answers: Vec<Answer>,
    fallback: Answer,
    /// Title and keywords, then body; see [`FIELDS`].
    fields: [Field; 2],
}

/// How much each indexed field counts: title and keywords say what an answer is
/// about; the body adds recall, but its courtesies ("thanks for reaching out") would
/// otherwise drown out the one answer that is about thanks.
const FIELDS: [f32; 2] = [1.0, 0.3];

/// One BM25 index over one field of every answer.
struct Field {
    embedder: Embedder<u32, SupportTokenizer>,
    /// Document ids are indexes into `answers`.
    scorer: Scorer<usize, u32>,
    weight: f32,
}

impl Field {
    fn new(docs: &[String], weight: f32) -> Self {
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let embedder =
            EmbedderBuilder::<u32, SupportTokenizer>::with_tokenizer_and_fit_to_corpus(SupportTokenizer::new(), &docs)
                .build();
        let mut scorer = Scorer::new();
        for (i, doc) in docs.iter().enumerate() {
            scorer.upsert(&i, embedder.embed(doc));
        }
        Self { embedder, scorer, weight }
    }

    /// The query's tokens, each once: a customer who writes "order" five times is
    /// not five times as much about orders.
    fn embed_query(&self, text: &str) -> Embedding<u32> {
        let mut seen = HashSet::new();
        let tokens = self
            .embedder
            .embed(text)
            .0
            .into_iter()
            .filter(|t| seen.insert(t.index))
            .collect::<Vec<TokenEmbedding<u32>>>();
        Embedding(tokens)
    }
}

impl fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnowledgeBase").field("answers", &self.answers.len()).finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// The knowledge base compiled into the binary.
    ///
    /// # Errors
    /// [`CopilotError::KnowledgeBase`] if `assets/kb/answers.toml` is invalid (the
    /// tests make sure it is not).
    pub fn embedded() -> Result<Self, CopilotError> {
        Self::from_toml(EMBEDDED)
    }

    /// Parses, checks and indexes a knowledge base in the `answers.toml` format.
    ///
    /// # Errors
    /// [`CopilotError::KnowledgeBase`] naming the line or the answer at fault.
    pub fn from_toml(src: &str) -> Result<Self, CopilotError> {
        let file: KbFile = toml::from_str(src).map_err(|e| CopilotError::KnowledgeBase(e.to_string()))?;
        let mut seen = HashSet::new();
        for answer in std::iter::once(&file.fallback).chain(&file.answers) {
            answer.validate().map_err(CopilotError::KnowledgeBase)?;
            if !seen.insert(answer.id.as_str()) {
                return Err(CopilotError::KnowledgeBase(format!("answer id {:?} is used twice", answer.id)));
            }
        }
        if file.answers.is_empty() {
            return Err(CopilotError::KnowledgeBase("no [[answer]] entries".into()));
        }

        let headings: Vec<String> = file.answers.iter().map(Answer::heading_text).collect();
        let bodies: Vec<String> = file.answers.iter().map(Answer::body_text).collect();
        let fields = [Field::new(&headings, FIELDS[0]), Field::new(&bodies, FIELDS[1])];
        Ok(Self { answers: file.answers, fallback: file.fallback, fields })
    }

    /// Every answer, in file order (the fallback not included).
    #[must_use]
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// What the engine drafts when nothing is relevant.
    #[must_use]
    pub fn fallback(&self) -> &Answer {
        &self.fallback
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.id == id)
    }

    /// Ranks every answer against a weighted query: the sum over query parts and
    /// fields of the part's weight times the field's weight times its BM25 score.
    /// Best first, ties in file order; answers that share no word with the query are
    /// left out. No threshold: see [`Self::retrieve`].
    #[must_use]
    pub fn search(&self, parts: &[(&str, f32)]) -> Vec<Hit<'_>> {
        let mut scores = vec![0.0_f32; self.answers.len()];
        for (text, weight) in parts {
            for field in &self.fields {
                for m in field.scorer.matches(&field.embed_query(text)) {
                    if let Some(s) = scores.get_mut(m.id) {
                        *s += weight * field.weight * m.score;
                    }
                }
            }
        }
        let mut hits: Vec<Hit<'_>> = self
            .answers
            .iter()
            .zip(scores)
            .filter(|(_, score)| *score > 0.0)
            .map(|(answer, score)| Hit { answer, score })
            .collect();
        // Stable: equal scores keep file order, so results never depend on hashing.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
    }

    /// Up to `limit` answers relevant to the conversation (score at least
    /// [`MIN_SCORE`]), best first.
    #[must_use]
    pub fn retrieve(&self, ctx: &SuggestContext, limit: usize) -> Vec<Hit<'_>> {
        let parts = query_parts(ctx);
        let mut hits = self.search(&parts);
        hits.retain(|h| h.score >= MIN_SCORE);
        hits.truncate(limit);
        hits
    }

    /// The embedded engine: the best answer filled in for this conversation and
    /// channel, or the fallback acknowledgement (with no sources) when none is
    /// relevant.
    #[must_use]
    pub fn draft(&self, ctx: &SuggestContext) -> Draft {
        self.draft_other_than(ctx, &[])
    }

    /// The best answer not among `given` (article ids already offered for this
    /// question): asking again gives the next-best, not the same draft. When every
    /// relevant answer was given, the fallback.
    #[must_use]
    pub fn draft_other_than(&self, ctx: &SuggestContext, given: &[String]) -> Draft {
        let fill = Fill::from_context(ctx);
        let best = self.retrieve(ctx, given.len() + 1).into_iter().find(|h| !given.contains(&h.answer.id));
        let answer = best.map_or(&self.fallback, |h| h.answer);
        Draft {
            body: answer.text(&fill, ctx.channel),
            actions: answer.actions.clone(),
            sources: best.map(|h| h.answer.id.clone()).into_iter().collect(),
            engine: "kb".to_owned(),
        }
    }
}

/// The query for a conversation: the customer's messages (replies and calls), newest
/// weighted most, and the subject. Our own replies are left out: they answer the
/// question rather than ask it, and notes are internal.
#[must_use]
pub fn query_parts(ctx: &SuggestContext) -> Vec<(&str, f32)> {
    let last_ours = ctx
        .messages
        .iter()
        .rposition(|m| matches!(m.author, AuthorKind::Agent | AuthorKind::Ai) && m.kind == MessageKind::Reply);
    let inbound = ctx
        .messages
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, m)| m.author == AuthorKind::Contact && matches!(m.kind, MessageKind::Reply | MessageKind::Call))
        .take(MAX_INBOUND);
    let mut parts: Vec<(&str, f32)> = Vec::new();
    for (n, (i, m)) in inbound.enumerate() {
        let weight = if n == 0 {
            WEIGHT_LAST_INBOUND
        } else if last_ours.is_none_or(|ours| i > ours) {
            WEIGHT_SAME_TURN
        } else {
            WEIGHT_EARLIER
        };
        parts.push((m.body.as_str(), weight));
    }
    if let Some(subject) = ctx.subject.as_deref().filter(|s| !s.trim().is_empty()) {
        parts.push((subject, WEIGHT_SUBJECT));
    }
    parts
}

#[cfg(test)]
mod tests;
