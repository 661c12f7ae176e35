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
use super::{CopilotError, claims, lang};
use frontdesk_domain::{Channel, NextAction};

/// The knowledge base shipped with the binary.
const EMBEDDED: &str = include_str!("../../assets/kb/answers.toml");

/// The BM25 score at which an English answer is as likely right as wrong: its
/// confidence is 50% there (see [`bm25_confidence`]). Calibrated on the evaluation
/// set (`assets/kb/eval.toml`): small talk that shares a word with an answer ("I
/// like your website") scores under it, real questions above.
pub const EVEN_SCORE: f32 = 6.0;

/// The sign-off the engine adds to email replies, by language; chat and SMS replies
/// go without. `{agent_name}` stays a placeholder in the draft: it is filled with
/// the name of whoever sends it, when it is sent.
fn email_sign_off(lang: &str) -> &'static str {
    match lang {
        "es" => "\n\nUn saludo,\n{agent_name}",
        "zh" => "\n\n祝好，\n{agent_name}",
        "ja" => "\n\nよろしくお願いいたします。\n{agent_name}",
        _ => "\n\nBest regards,\n{agent_name}",
    }
}

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
    /// The language it is written in (ISO 639-1); English by default.
    #[serde(default = "english")]
    pub lang: String,
    /// For an answer in another language: the id of the English answer it translates.
    #[serde(default)]
    pub translates: Option<String>,
    /// What the agent must do before the draft is true ("Cancel the order in the
    /// warehouse system"). Required when the text claims an action (see [`claims`]).
    #[serde(default)]
    pub before_sending: Option<String>,
    /// The goodbye drafted when the customer is done: chosen by reading the thread,
    /// never by search (a thanks inside a new problem must not find it).
    #[serde(default)]
    pub closing: bool,
}

fn english() -> String {
    lang::DEFAULT.to_owned()
}

impl Answer {
    /// The reply as the customer would read it on `channel`, every placeholder filled.
    ///
    /// SMS and `WhatsApp` get `short`, or the first paragraph of `body`; email gets a
    /// sign-off. When the thread has no order number, the `*_no_order` variant is used.
    #[must_use]
    pub fn text(&self, fill: &Fill, channel: &Channel) -> String {
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
            Channel::Email => format!("{}{}", body().trim_end(), email_sign_off(&self.lang)),
            Channel::Web | Channel::Voice | Channel::Api | Channel::Other(_) => body(),
        };
        if !has_order {
            template = ORDER_PHRASE.replace_all(&template, "your order").replace("{order_id}", "your order");
        }
        // A greeting in another language has no "there": without a name it stands
        // alone ("Hola,").
        if fill.first_name == fill::UNKNOWN_FIRST_NAME && self.lang != lang::DEFAULT {
            template = template.replace(" {first_name}", "");
        }
        fill.render(template.trim())
    }

    /// Every text of the answer a customer may see, with its field name.
    pub(crate) fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
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

    /// The topic it answers: its own id, or for a translation the English answer's.
    #[must_use]
    pub fn topic(&self) -> &str {
        self.translates.as_deref().unwrap_or(&self.id)
    }

    /// The keywords of an answer in another language, each a word or a phrase
    /// matched inside the customer's text (see [`KnowledgeBase::keyword_search`]).
    fn keyword_terms(&self) -> impl Iterator<Item = String> + '_ {
        self.keywords.split([',', '、', '，']).map(|k| k.trim().to_lowercase()).filter(|k| !k.is_empty())
    }

    /// Checks one answer against the rules in the TOML's header.
    fn validate(&self) -> Result<(), String> {
        let id = &self.id;
        if !(self.lang.len() == 2 && self.lang.chars().all(|c| c.is_ascii_lowercase())) {
            return Err(format!("answer {id:?}: lang {:?} is not an ISO 639-1 code (like \"es\")", self.lang));
        }
        match (&self.translates, self.lang == lang::DEFAULT) {
            (Some(_), true) => return Err(format!("answer {id:?} is English and cannot translate another")),
            (None, false) if !self.closing => {
                return Err(format!(
                    "answer {id:?} is in {:?} and needs `translates`: the id of the English answer it translates",
                    self.lang
                ));
            }
            _ => {}
        }
        if self.closing && !self.actions.iter().any(|a| a.action == "close") {
            return Err(format!("answer {id:?} is a closing answer and needs the close action"));
        }
        if let Some(need) = &self.before_sending
            && need.trim().is_empty()
        {
            return Err(format!("answer {id:?}: before_sending is empty"));
        }
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
            if self.before_sending.is_none()
                && let Some(claim) = claims::first_claim(text)
            {
                return Err(format!(
                    "answer {id:?}: {field} says {claim:?}, an action nobody has taken when the draft is \
                     offered; phrase it as an offer, or say in before_sending what the agent must do first"
                ));
            }
            if text.match_indices("{family_name}").any(|(at, p)| !text[at + p.len()..].starts_with('様')) {
                return Err(format!("answer {id:?}: {field} uses {{family_name}} other than before 様"));
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
        ["Hi", "Hello", "Hey", "Dear", "Hola"]
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
    #[serde(rename = "answer", default)]
    answers: Vec<Answer>,
}

/// One answer found for a query, with the engine's confidence in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit<'a> {
    pub answer: &'a Answer,
    pub score: f32,
    /// 0–100: how likely the answer fits, from its score ([`bm25_confidence`],
    /// [`keyword_confidence`]).
    pub confidence: u8,
}

/// An English answer's confidence from its BM25 score: 50% at [`EVEN_SCORE`],
/// rising towards 100% as the score grows (`1 - 2^(-score / EVEN_SCORE)`).
#[must_use]
pub fn bm25_confidence(score: f32) -> u8 {
    percent(bm25_chance(score))
}

fn bm25_chance(score: f32) -> f32 {
    1.0 - (-score / EVEN_SCORE).exp2()
}

/// How far ahead of the next answer an answer must be to count fully: a long email
/// scores high on many answers at once, and when the best is only a nose ahead the
/// ranking is a coin toss, whatever the score.
pub const CLEAR_LEAD: f32 = 0.2;

/// The confidence of an answer scoring `score` when the next one down scores
/// `next`: the score's, scaled down when the lead is under [`CLEAR_LEAD`].
#[must_use]
pub fn ranked_confidence(score: f32, next: f32) -> u8 {
    if score <= 0.0 {
        return 0;
    }
    let lead = ((score - next) / score / CLEAR_LEAD).clamp(0.0, 1.0);
    percent(bm25_chance(score) * lead)
}

/// An answer in another language is found by its keywords: one matched term is
/// chance (a single "pedido" fits every order answer), two are an even bet, each
/// more halves the doubt. BM25 over the handful of articles a language has would
/// give meaningless word weights.
#[must_use]
pub fn keyword_confidence(terms: usize) -> u8 {
    let Some(extra) = terms.checked_sub(1) else { return 0 };
    percent(1.0 - 0.5_f32.powi(i32::try_from(extra).unwrap_or(i32::MAX)))
}

fn percent(c: f32) -> u8 {
    // In 0..=1 by construction; the cast only drops the fraction.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let p = (c.clamp(0.0, 1.0) * 100.0).round() as u8;
    p
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

/// The answers and their index. Built once; read-only afterwards, so it is shared
/// across requests without a lock.
pub struct KnowledgeBase {
    answers: Vec<Answer>,
    /// Where each English answer found by search sits in `answers` (closing answers
    /// are not searched).
    searched: Vec<usize>,
    /// Title and keywords, then body, of the searched answers; see [`FIELDS`].
    fields: [Field; 2],
}

/// How much each indexed field counts: title and keywords say what an answer is
/// about; the body adds recall, but its courtesies ("thanks for reaching out") would
/// otherwise drown out the answers about them.
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
        for answer in &file.answers {
            answer.validate().map_err(CopilotError::KnowledgeBase)?;
            if !seen.insert(answer.id.as_str()) {
                return Err(CopilotError::KnowledgeBase(format!("answer id {:?} is used twice", answer.id)));
            }
        }
        for answer in &file.answers {
            if let Some(of) = &answer.translates
                && !file.answers.iter().any(|a| a.id == *of && a.lang == lang::DEFAULT)
            {
                return Err(CopilotError::KnowledgeBase(format!(
                    "answer {:?} translates {of:?}, which is not an English answer here",
                    answer.id
                )));
            }
        }
        let searched: Vec<usize> = file
            .answers
            .iter()
            .enumerate()
            .filter(|(_, a)| a.lang == lang::DEFAULT && !a.closing)
            .map(|(i, _)| i)
            .collect();
        if searched.is_empty() {
            return Err(CopilotError::KnowledgeBase("no English [[answer]] entries to search".into()));
        }
        let headings: Vec<String> = searched.iter().map(|&i| file.answers[i].heading_text()).collect();
        let bodies: Vec<String> = searched.iter().map(|&i| file.answers[i].body_text()).collect();
        let fields = [Field::new(&headings, FIELDS[0]), Field::new(&bodies, FIELDS[1])];
        Ok(Self { answers: file.answers, searched, fields })
    }

    /// Every answer, in file order.
    #[must_use]
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.id == id)
    }

    /// Whether any answer is written in `lang`.
    #[must_use]
    pub fn speaks(&self, lang: &str) -> bool {
        self.answers.iter().any(|a| a.lang == lang)
    }

    /// The goodbye in `lang`, if the knowledge base has one.
    #[must_use]
    pub fn closing(&self, lang: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.closing && a.lang == lang)
    }

    /// Ranks the English answers against a weighted query: the sum over query parts
    /// and fields of the part's weight times the field's weight times its BM25
    /// score. Best first, ties in file order; answers that share no word with the
    /// query are left out. No threshold: the caller judges the confidence.
    #[must_use]
    pub fn search(&self, parts: &[(&str, f32)]) -> Vec<Hit<'_>> {
        let mut scores = vec![0.0_f32; self.searched.len()];
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
            .searched
            .iter()
            .zip(scores)
            .filter(|(_, score)| *score > 0.0)
            .filter_map(|(&i, score)| {
                let answer = self.answers.get(i)?;
                Some(Hit { answer, score, confidence: 0 })
            })
            .collect();
        // Stable: equal scores keep file order, so results never depend on hashing.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        let nexts: Vec<f32> = hits.iter().skip(1).map(|h| h.score).chain([0.0]).collect();
        // Never more sure of an answer than of one ranked above it.
        let mut cap = 100;
        for (hit, next) in hits.iter_mut().zip(nexts) {
            hit.confidence = ranked_confidence(hit.score, next).min(cap);
            cap = hit.confidence;
        }
        hits
    }

    /// Ranks the answers in `lang` (other than English) by how many of their
    /// keywords the text contains. Best first, ties in file order.
    #[must_use]
    pub fn keyword_search(&self, lang: &str, text: &str) -> Vec<Hit<'_>> {
        let text = text.to_lowercase();
        let mut hits: Vec<Hit<'_>> = self
            .answers
            .iter()
            .filter(|a| a.lang == lang && !a.closing)
            .filter_map(|answer| {
                let terms: HashSet<String> = answer.keyword_terms().filter(|k| text.contains(k.as_str())).collect();
                let n = terms.len();
                #[allow(clippy::cast_precision_loss)] // a handful of keywords
                let score = n as f32;
                (n > 0).then(|| Hit { answer, score, confidence: keyword_confidence(n) })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
    }
}

#[cfg(test)]
mod tests;
