//! How the copilot reads a thread before it drafts: what the customer said last (the
//! turn to answer), what came before (context), whether we already replied, whether
//! the customer is done, and the language they write in.
//!
//! The turn is every customer message since our last reply: a question is often
//! split over several texts. Once we have replied, the opening question was
//! answered; ranking on it again is what made drafts re-answer the first message of
//! a follow-up ("It arrived this morning" offered tracking). So after a reply only
//! the turn is the query.

use super::{ContextMessage, SuggestContext, lang};
use frontdesk_domain::{AuthorKind, MessageKind};

/// How much each part of the thread counts in the query.
const WEIGHT_LAST: f32 = 1.0;
/// The customer's other messages in the same turn.
const WEIGHT_SAME_TURN: f32 = 0.6;
/// The subject, until we have replied (then it names the opening question).
const WEIGHT_SUBJECT: f32 = 0.5;
/// How many customer messages of the turn the query looks at, newest first.
const MAX_TURN: usize = 6;

/// The thread as the copilot reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading<'a> {
    /// The customer's newest turn, oldest first; empty when we spoke last.
    pub turn: Vec<&'a str>,
    /// The customer's messages before the turn, oldest first.
    pub earlier: Vec<&'a str>,
    /// We (an agent or the AI) have replied to this customer.
    pub replied: bool,
    /// The turn says the customer is done: thanks, and the matter settled.
    pub done: Option<Done>,
    /// ISO 639-1 (or 639-3) code of the customer's language.
    pub lang: String,
    subject: Option<&'a str>,
}

/// How sure the reading is that the customer is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// Thanks, and words that the matter is settled ("it arrived", "that worked").
    Settled,
    /// A bare thanks ("Thanks!", "谢谢"): nothing else in the turn.
    Thanks,
}

impl<'a> Reading<'a> {
    #[must_use]
    pub fn new(ctx: &'a SuggestContext) -> Self {
        // A human's reply ends the customer's turn. The AI agent's does not: a draft is
        // asked for when a human takes over, and the AI's last word there is usually
        // "a colleague will help you", which answers nothing.
        let is_ours = |m: &ContextMessage| m.author == AuthorKind::Agent && m.kind == MessageKind::Reply;
        let is_customer = |m: &ContextMessage| {
            m.author == AuthorKind::Contact && matches!(m.kind, MessageKind::Reply | MessageKind::Call)
        };
        let last_ours = ctx.messages.iter().rposition(is_ours);
        let (before, after) = ctx.messages.split_at(last_ours.map_or(0, |i| i + 1));
        let turn: Vec<&str> = after.iter().filter(|m| is_customer(m)).map(|m| own_words(&m.body)).collect();
        let earlier: Vec<&str> = before.iter().filter(|m| is_customer(m)).map(|m| own_words(&m.body)).collect();
        let latest = turn.join("\n");
        let done = if last_ours.is_some() { done(&latest) } else { None };
        let lang = lang::detect(&latest, &earlier.join("\n"));
        Self {
            turn,
            earlier,
            replied: last_ours.is_some(),
            done,
            lang,
            subject: ctx.subject.as_deref().filter(|s| !s.trim().is_empty()),
        }
    }

    /// The weighted query: the turn, newest first and weighted most, and the subject
    /// until we have replied.
    #[must_use]
    pub fn query(&self) -> Vec<(&'a str, f32)> {
        let mut parts: Vec<(&str, f32)> = self
            .turn
            .iter()
            .rev()
            .take(MAX_TURN)
            .enumerate()
            .map(|(n, text)| (*text, if n == 0 { WEIGHT_LAST } else { WEIGHT_SAME_TURN }))
            .collect();
        if !self.replied
            && let Some(subject) = self.subject
        {
            parts.push((subject, WEIGHT_SUBJECT));
        }
        parts
    }
}

/// What the customer wrote themselves: an email's quoted history ("> …", "On …
/// wrote:") is our own earlier words and the previous message, not the question.
#[must_use]
pub fn own_words(body: &str) -> &str {
    let mut end = body.len();
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let t = line.trim();
        let quoted = t.starts_with('>')
            || (t.starts_with("On ") && t.ends_with("wrote:"))
            || t.starts_with("-----Original Message")
            || t.starts_with("From: ");
        if quoted {
            end = at;
            break;
        }
        at += line.len();
    }
    let own = body[..end].trim_end();
    if own.is_empty() { body } else { own }
}

/// Thanks in the languages customers write to us in; matched as words in Latin
/// script, as text in CJK.
const THANKS: &[&str] = &[
    "thanks",
    "thank you",
    "thank u",
    "thx",
    "ty",
    "cheers",
    "appreciate it",
    "much appreciated",
    "gracias",
    "merci",
    "danke",
    "obrigado",
    "obrigada",
    "grazie",
    "谢谢",
    "多谢",
    "感谢",
    "謝謝",
    "ありがとう",
    "有難う",
];

/// Words that the matter is settled.
const SETTLED: &[&str] = &[
    "worked",
    "works",
    "working now",
    "arrived",
    "came",
    "found it",
    "got it",
    "all done",
    "that's it",
    "thats it",
    "that's all",
    "thats all",
    "all good",
    "all set",
    "sorted",
    "fixed",
    "fixing",
    "solved",
    "resolved",
    "received",
    "perfect",
    "nothing else",
    "llegó",
    "llego",
    "ya está",
    "funcionó",
    "funciona",
    "resuelto",
    "recibido",
    "收到了",
    "收到",
    "解决了",
    "好了",
    "到了",
    "届きました",
    "解決しました",
    "できました",
    "届いた",
];

/// Words that something is still wrong: a thanks with these is not a goodbye.
const TROUBLE: &[&str] = &[
    "but",
    "though",
    "however",
    "still",
    "not",
    "no longer",
    "never",
    "again",
    "problem",
    "issue",
    "wrong",
    "broken",
    "missing",
    "pero",
    "todavía",
    "aún",
    "但是",
    "还是",
    "没有",
    "でも",
    "まだ",
];

/// Whether the turn says the customer is done. A question is never a goodbye; nor
/// is a thanks next to a new problem ("thanks, but the bag is missing").
#[must_use]
pub fn done(turn: &str) -> Option<Done> {
    let text = turn.to_lowercase();
    if text.contains(['?', '？']) || text.contains("n't") {
        return None;
    }
    let words = padded_words(&text);
    let has = |list: &[&str]| list.iter().any(|w| contains(&text, &words, w));
    if !has(THANKS) || has(TROUBLE) {
        return None;
    }
    if has(SETTLED) {
        return Some(Done::Settled);
    }
    // "Thanks!", "thank you so much": nothing else said.
    let rest = THANKS.iter().fold(words.clone(), |acc, w| acc.replace(&format!(" {w} "), " "));
    let rest: Vec<&str> = rest.split_whitespace().filter(|w| !FILLER.contains(w)).collect();
    let cjk_only = text.chars().filter(|c| c.is_alphanumeric()).all(|c| !c.is_ascii());
    (rest.is_empty() || (cjk_only && text.chars().filter(|c| c.is_alphanumeric()).count() <= 6)).then_some(Done::Thanks)
}

/// Words that add nothing to a thanks.
const FILLER: &[&str] = &["so", "much", "very", "a", "lot", "again", "ok", "okay", "great", "many", "muchas", "!"];

/// The text as ` word word word `, punctuation dropped (apostrophes kept), so a
/// phrase matches whole words only.
fn padded_words(text: &str) -> String {
    let cleaned: String =
        text.chars().map(|c| if c.is_alphanumeric() || c == '\'' || c == '’' { c } else { ' ' }).collect();
    format!(" {} ", cleaned.replace('’', "'").split_whitespace().collect::<Vec<_>>().join(" "))
}

fn contains(text: &str, words: &str, phrase: &str) -> bool {
    if phrase.chars().any(|c| !c.is_ascii() && c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase()) {
        // CJK has no word breaks: match the text itself.
        return text.contains(phrase);
    }
    words.contains(&format!(" {phrase} "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copilot::ContextMessage;
    use frontdesk_domain::Channel;

    #[test]
    fn quoted_history_is_not_the_question() {
        let body = "Is there anything you can do?\n\nFunmilayo\n\n> From: Kestrel\n> Shipping changes";
        assert_eq!(own_words(body), "Is there anything you can do?\n\nFunmilayo");
        let body = "Yes please.\nOn Tue, 3 Jun 2025, Ana wrote:\nWould you like a refund?";
        assert_eq!(own_words(body), "Yes please.");
        assert_eq!(own_words("> only quotes"), "> only quotes");
    }

    #[test]
    fn customers_who_are_done() {
        for text in [
            "Camera arrived this morning and it's recording. Thank you for actually fixing it, and for the refund.",
            "That worked, thanks!",
            "nope that's it, thanks!",
            "Found it in spam, all done. Thanks!",
            "It arrived this morning. Thanks for chasing it!",
            "¡Ya llegó! Muchas gracias por todo.",
            "收到了，谢谢！",
            "Thanks!",
            "thank you so much",
            "谢谢",
        ] {
            assert!(done(text).is_some(), "{text}");
        }
    }

    #[test]
    fn customers_who_are_not() {
        for text in [
            "The card ends in 4015. Thanks.",
            "ok. make sure it doesn't happen again",
            "Replacement arrived and works. The courier didn't bring any return bag though.",
            "Thanks! How long until the refund shows up on my card?",
            "Thanks, but it still won't connect",
            "Sent both through the developer console just now.",
            "does it cost extra?",
        ] {
            assert_eq!(done(text), None, "{text}");
        }
    }

    fn msg(author: AuthorKind, body: &str) -> ContextMessage {
        ContextMessage { author, kind: MessageKind::Reply, body: body.to_owned() }
    }

    #[test]
    fn after_our_reply_only_the_new_turn_is_the_query() {
        let ctx = SuggestContext {
            contact_name: "Lukas Novak".into(),
            agent_name: "Ana".into(),
            channel: Channel::Email,
            subject: Some("Where is my order KH-1?".into()),
            messages: vec![
                msg(AuthorKind::Contact, "where is my order, tracking says label created"),
                msg(AuthorKind::Agent, "It left on Tuesday."),
                msg(AuthorKind::Contact, "It arrived this morning."),
                msg(AuthorKind::Contact, "Thanks for chasing it!"),
            ],
        };
        let r = Reading::new(&ctx);
        assert!(r.replied);
        assert_eq!(r.query(), [("Thanks for chasing it!", 1.0), ("It arrived this morning.", 0.6)]);
        assert_eq!(r.earlier, ["where is my order, tracking says label created"]);
        assert_eq!(r.done, Some(Done::Settled));
        assert_eq!(r.lang, "en");
    }

    #[test]
    fn a_first_message_is_read_with_its_subject_and_never_as_done() {
        let ctx = SuggestContext {
            contact_name: "Rachel".into(),
            agent_name: "Ana".into(),
            channel: Channel::Email,
            subject: Some("Thanks".into()),
            messages: vec![msg(AuthorKind::Contact, "Thanks! It arrived.")],
        };
        let r = Reading::new(&ctx);
        assert!(!r.replied);
        assert_eq!(r.query(), [("Thanks! It arrived.", 1.0), ("Thanks", 0.5)]);
        // Nobody has answered anything yet: there is nothing to close.
        assert_eq!(r.done, None);
    }
}
