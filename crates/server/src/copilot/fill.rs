//! Placeholders: what `{first_name}`, `{family_name}`, `{full_name}`, `{agent_name}`
//! and `{order_id}` become in a drafted reply, and where those values come from (the
//! contact's and agent's names, order numbers mentioned in the thread).
//!
//! `{agent_name}` is the sender's: a draft keeps it as a placeholder, and it is
//! filled by whoever sends the draft, when they send it ([`sign`]). A draft asked for
//! by one agent and sent by another goes out under the sender.
//!
//! To add a placeholder: add its name to [`PLACEHOLDERS`], a field to [`Fill`] and an
//! arm to [`Fill::value`]. The knowledge base refuses answers that use a name this
//! module does not know, so a typo fails at start-up, not in front of a customer.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::SuggestContext;
use frontdesk_domain::MessageKind;

/// Every placeholder the engine can fill.
pub const PLACEHOLDERS: [&str; 5] = ["first_name", "family_name", "full_name", "agent_name", "order_id"];

/// What `{first_name}` becomes when the contact's name is unknown or is not a name
/// (a phone number, an email address). Reads right only after a greeting, which is why
/// the knowledge base allows `{first_name}` only there.
pub const UNKNOWN_FIRST_NAME: &str = "there";

/// What `{family_name}` becomes when the name is unknown: it is always followed by
/// 様 (the knowledge base checks), and お客様 is how Japanese addresses a customer
/// whose name is not known.
pub const UNKNOWN_FAMILY_NAME: &str = "お客";

/// What `{agent_name}` becomes when the agent has no usable name.
pub const UNKNOWN_AGENT_NAME: &str = frontdesk_domain::UNKNOWN_SENDER;

/// Shared with the client, which shows a draft signed as it will be sent.
pub use frontdesk_domain::{first_name, sign_draft as sign};

/// `{name}`: lower-case letters and underscores. Anything else in braces is text.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"\{([a-z_]+)\}").expect("placeholder pattern")
});

/// The ways customers write order numbers. Each has one capture group: the id.
///
/// - `#48213`, `#A1B2C3`: a hash, then 4–20 letters, digits or dashes.
/// - `ORD-48213`, `ord_48213`, `ORD48213`: our own order prefix.
/// - `order 48213`, `order number: A1B2C3`, `order no. 48213`, `my order is 48213`.
///
/// A bare code such as `A1B2C3` is *not* taken on its own: promo codes (`SAVE20`),
/// postcodes and tracking numbers look the same, so it counts only after `#` or
/// `order`. Every candidate must contain a digit, which rules out `order status`.
static ORDER_PATTERNS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // literal patterns, checked by the tests
    [
        Regex::new(r"#\s?([A-Za-z0-9][A-Za-z0-9-]{3,19})\b").expect("hash pattern"),
        Regex::new(r"(?i)\b(ord[-_]?\d{3,12})\b").expect("prefix pattern"),
        Regex::new(
            r"(?i)\border\b(?:\s+(?:number|no\.?|num|nr|id|ref(?:erence)?))?(?:\s+(?:is|was))?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{3,19})\b",
        )
        .expect("order-word pattern"),
        // The word for an order in the other languages the knowledge base speaks.
        Regex::new(r"(?i)(?:\bpedido|\bcommande|订单号?|注文番号|ご注文)\s*[:#：]?\s*([A-Z0-9][A-Z0-9-]{3,19})\b")
            .expect("order-word pattern, other languages"),
    ]
});

/// A date like `2024-05-01` after "order" is when it was placed, not its number.
static DATE_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"^\d{1,4}-\d{1,2}-\d{1,4}$").expect("date pattern")
});

/// The values placeholders take for one conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fill {
    pub first_name: String,
    /// For languages that greet by family name (Japanese: 佐藤様).
    pub family_name: String,
    /// For languages that greet by full name (Chinese: 陈伟您好); may be empty.
    pub full_name: String,
    /// None in a draft: the sender fills it when sending.
    pub agent_name: Option<String>,
    /// As it should read after the word "order": `#48213` or `ORD-48213`.
    pub order_id: Option<String>,
}

impl Fill {
    #[must_use]
    pub fn from_context(ctx: &SuggestContext) -> Self {
        Self {
            agent_name: Some(first_name(&ctx.agent_name).unwrap_or_else(|| UNKNOWN_AGENT_NAME.to_owned())),
            ..Self::for_draft(ctx)
        }
    }

    /// The values of a draft: everything but the sender's name.
    #[must_use]
    pub fn for_draft(ctx: &SuggestContext) -> Self {
        let name = ctx.contact_name.trim();
        let person = first_name(name).is_some();
        Self {
            first_name: first_name(name).unwrap_or_else(|| UNKNOWN_FIRST_NAME.to_owned()),
            family_name: family_name(name).unwrap_or_else(|| UNKNOWN_FAMILY_NAME.to_owned()),
            full_name: if person { name.split_whitespace().collect::<Vec<_>>().join(" ") } else { String::new() },
            agent_name: None,
            order_id: find_order_id(ctx),
        }
    }

    /// The value of one placeholder; `None` when it has none in this conversation (only
    /// `{order_id}` can be missing) or the name is unknown.
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&str> {
        match name {
            "first_name" => Some(&self.first_name),
            "family_name" => Some(&self.family_name),
            "full_name" => Some(&self.full_name),
            "agent_name" => self.agent_name.as_deref(),
            "order_id" => self.order_id.as_deref(),
            _ => None,
        }
    }

    /// Replaces every placeholder that has a value, in one pass: a value that itself
    /// looks like `{something}` (a contact who calls themselves that) is not expanded
    /// again. Placeholders without a value are left as they are; the knowledge base
    /// picks a variant without them beforehand (see `kb::Answer::text`).
    #[must_use]
    pub fn render(&self, template: &str) -> String {
        PLACEHOLDER
            .replace_all(template, |caps: &Captures<'_>| match self.value(&caps[1]) {
                Some(v) => v.to_owned(),
                None => caps[0].to_owned(),
            })
            .into_owned()
    }
}

/// The placeholder names used in `text`, in order, with repeats.
pub fn placeholders_in(text: &str) -> impl Iterator<Item = &str> {
    PLACEHOLDER.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str())
}

/// Whether `text` uses `{name}`.
#[must_use]
pub fn uses(text: &str, name: &str) -> bool {
    placeholders_in(text).any(|p| p == name)
}

/// The family name, for a greeting such as 佐藤様: names written in a CJK script
/// put it first ("佐藤 健"), others last ("Yuki Tanaka").
#[must_use]
pub fn family_name(full: &str) -> Option<String> {
    first_name(full)?;
    let cjk = full.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'));
    let mut words = full.split_whitespace();
    let word = if cjk { words.next() } else { words.next_back() }?;
    Some(word.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '"' | '(' | ')')).to_owned())
}

/// A draft's sign-off put under the sender: when its last line is a colleague's
/// name (first or full), it becomes the sender's first name. A draft signed by
/// the sender, or not signed at all, is left as it is.
#[must_use]
pub fn resign(body: &str, sender: &str, colleagues: &[String]) -> String {
    let trimmed = body.trim_end();
    let (head, last) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    let signed = last.trim();
    let by_colleague = colleagues.iter().any(|c| {
        let c = c.trim();
        !c.is_empty() && (signed == c || first_name(c).is_some_and(|f| f == signed))
    });
    let mine = signed == sender.trim() || first_name(sender).is_some_and(|f| f == signed);
    if !by_colleague || mine {
        return body.to_owned();
    }
    let name = first_name(sender).unwrap_or_else(|| UNKNOWN_AGENT_NAME.to_owned());
    let indent = &last[..last.len() - last.trim_start().len()];
    if head.is_empty() { format!("{indent}{name}") } else { format!("{head}\n{indent}{name}") }
}

/// The newest order number mentioned in the thread: the subject counts as the oldest
/// text, then messages oldest first, and within a message the last mention wins.
/// Internal notes and event lines are skipped: they carry the team's own references
/// (tickets, bug ids) that are not the customer's order.
#[must_use]
pub fn find_order_id(ctx: &SuggestContext) -> Option<String> {
    let texts = ctx.subject.iter().map(String::as_str).chain(
        ctx.messages
            .iter()
            .filter(|m| matches!(m.kind, MessageKind::Reply | MessageKind::Call))
            .map(|m| m.body.as_str()),
    );
    texts.filter_map(last_order_id_in).next_back()
}

/// The last order number mentioned in one text, normalised for display.
#[must_use]
pub fn last_order_id_in(text: &str) -> Option<String> {
    ORDER_PATTERNS
        .iter()
        .flat_map(|re| re.captures_iter(text).filter_map(|c| c.get(1)))
        .filter(|m| is_plausible_order_id(m.as_str()))
        .max_by_key(regex::Match::start)
        .map(|m| display_order_id(m.as_str()))
}

fn is_plausible_order_id(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit()) && !DATE_LIKE.is_match(s) && !s.ends_with('-')
}

/// `48213` reads as `#48213`; an id with letters reads as written, upper-cased
/// (`ord-48213` → `ORD-48213`), so `order {order_id}` reads naturally either way.
fn display_order_id(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_digit()) { format!("#{s}") } else { s.to_ascii_uppercase() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copilot::ContextMessage;
    use frontdesk_domain::{AuthorKind, Channel};

    fn ctx(messages: &[(AuthorKind, MessageKind, &str)]) -> SuggestContext {
        SuggestContext {
            contact_name: "Maria Lopez".into(),
            agent_name: "Ana Silva".into(),
            channel: Channel::Email,
            subject: None,
            messages: messages
                .iter()
                .map(|(author, kind, body)| ContextMessage {
                    author: author.clone(),
                    kind: *kind,
                    body: (*body).to_owned(),
                })
                .collect(),
        }
    }

    #[test]
    fn order_ids_in_the_forms_customers_write_them() {
        let cases = [
            ("where is my order #48213", Some("#48213")),
            ("where is my order #48213?", Some("#48213")),
            ("order # 48213 please", Some("#48213")),
            ("It's ORD-12345, thanks", Some("ORD-12345")),
            ("ref ord_99881", Some("ORD_99881")),
            ("my order 48213 never came", Some("#48213")),
            ("Order number: 48213", Some("#48213")),
            ("order no. 48213", Some("#48213")),
            ("my order number is 48213", Some("#48213")),
            ("order A1B2C3 is late", Some("A1B2C3")),
            ("order a1b2c3 is late", Some("A1B2C3")),
            ("¿mi pedido KH-385875 ya salió?", Some("KH-385875")),
            ("我上周订购了（订单号 KH-213263），还没有收到", Some("KH-213263")),
            ("注文番号 KH-555012 の商品", Some("KH-555012")),
            ("#A1B2C3 still not here", Some("A1B2C3")),
            // Not order numbers.
            ("what's my order status?", None),
            ("I placed the order 2024-05-01", None),
            ("code SAVE20 did not work", None),
            ("call me on 07700 900123", None),
            ("I love #blessed", None),
            ("I ordered 2 shirts", None),
            ("I ordered ABC123 twice", None),
            ("#12 is my favourite", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(last_order_id_in(text).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn the_last_mention_in_a_message_wins() {
        assert_eq!(last_order_id_in("not #11111 but order 22222").as_deref(), Some("#22222"));
        assert_eq!(last_order_id_in("order 22222, oh wait, #11111").as_deref(), Some("#11111"));
    }

    #[test]
    fn the_newest_message_wins_and_notes_are_ignored() {
        use AuthorKind::{Agent, Contact};
        use MessageKind::{Event, Note, Reply};
        let c = ctx(&[
            (Contact, Reply, "my order #11111 is late"),
            (Agent, Reply, "I see order #22222 on your account"),
            (Contact, Reply, "yes that one"),
            (Agent, Note, "linked to ticket #99999"),
            (AuthorKind::System, Event, "merged #88888"),
        ]);
        assert_eq!(find_order_id(&c).as_deref(), Some("#22222"));
    }

    #[test]
    fn the_subject_counts_as_the_oldest_text() {
        let mut c = ctx(&[(AuthorKind::Contact, MessageKind::Reply, "it has not arrived")]);
        c.subject = Some("Order #48213 missing".into());
        assert_eq!(find_order_id(&c).as_deref(), Some("#48213"));
        c.messages[0].body = "sorry, I meant order 50000".into();
        assert_eq!(find_order_id(&c).as_deref(), Some("#50000"));
    }

    #[test]
    fn a_colleagues_sign_off_goes_out_under_the_sender() {
        let team = ["Chloé Martin".to_owned(), "Farid Haddad".to_owned()];
        let draft = "Hi Emily, glad it arrived.\n\nBest regards,\nChloé";
        assert_eq!(resign(draft, "Ana Lima", &team), "Hi Emily, glad it arrived.\n\nBest regards,\nAna");
        assert_eq!(
            resign("Thanks!\n\nBest regards,\nFarid Haddad\n", "Ana Lima", &team),
            "Thanks!\n\nBest regards,\nAna"
        );
        // The sender's own, an unsigned chat reply, a customer's name: as they are.
        assert_eq!(resign("Thanks!\n\nBest regards,\nAna", "Ana Lima", &team), "Thanks!\n\nBest regards,\nAna");
        assert_eq!(resign("On its way!", "Ana Lima", &team), "On its way!");
        let bo = ["Bo Agent".to_owned()];
        assert_eq!(resign("Hi.\n\nBest regards,\nBo", "Ada Admin", &bo), "Hi.\n\nBest regards,\nAda");
        assert_eq!(resign("Thanks,\nEmily", "Ana Lima", &team), "Thanks,\nEmily");
    }

    #[test]
    fn family_names_by_how_the_name_is_written() {
        assert_eq!(family_name("佐藤 健").as_deref(), Some("佐藤"));
        assert_eq!(family_name("Yuki Tanaka").as_deref(), Some("Tanaka"));
        assert_eq!(family_name("+81 90 1234"), None);
    }

    #[test]
    fn the_sender_signs_when_sending() {
        let draft = "Hi Emily, glad it arrived.\n\nBest regards,\n{agent_name}";
        assert_eq!(sign(draft, "Ana Lima"), "Hi Emily, glad it arrived.\n\nBest regards,\nAna");
        assert_eq!(sign(draft, "Farid Haddad"), "Hi Emily, glad it arrived.\n\nBest regards,\nFarid");
        assert_eq!(sign("no placeholder {order_id}", "Ana"), "no placeholder {order_id}");
    }

    #[test]
    fn first_names_only_from_names() {
        assert_eq!(first_name("Maria Lopez").as_deref(), Some("Maria"));
        assert_eq!(first_name("  José   María ").as_deref(), Some("José"));
        assert_eq!(first_name("O'Brien").as_deref(), Some("O'Brien"));
        assert_eq!(first_name("Anne-Marie, Dupont").as_deref(), Some("Anne-Marie"));
        assert_eq!(first_name(""), None);
        assert_eq!(first_name("   "), None);
        assert_eq!(first_name("+44 7700 900123"), None);
        assert_eq!(first_name("maria@example.com"), None);
        assert_eq!(first_name("visitor_8812"), None);
        assert_eq!(first_name("{order_id}"), None);
    }

    #[test]
    fn fill_falls_back_when_names_are_unusable() {
        let mut c = ctx(&[]);
        c.contact_name = "+1 555 0100".into();
        c.agent_name = String::new();
        let fill = Fill::from_context(&c);
        assert_eq!(fill.first_name, UNKNOWN_FIRST_NAME);
        assert_eq!(fill.agent_name.as_deref(), Some(UNKNOWN_AGENT_NAME));
        assert_eq!(fill.family_name, UNKNOWN_FAMILY_NAME);
        assert_eq!(fill.full_name, "");
        // A draft leaves the sender's name to the sender.
        assert_eq!(Fill::for_draft(&c).agent_name, None);
        assert_eq!(fill.order_id, None);
    }

    #[test]
    fn render_is_one_pass_and_keeps_unknown_braces() {
        let fill = Fill {
            first_name: "{order_id}".into(),
            family_name: "X".into(),
            full_name: "X".into(),
            agent_name: Some("Ana".into()),
            order_id: Some("#1".into()),
        };
        assert_eq!(fill.render("Hi {first_name}, I'm {agent_name}."), "Hi {order_id}, I'm Ana.");
        assert_eq!(fill.render("order {order_id} {unknown} {Not_This}"), "order #1 {unknown} {Not_This}");
        let no_order = Fill { order_id: None, ..fill };
        assert_eq!(no_order.render("order {order_id}"), "order {order_id}");
    }

    #[test]
    fn placeholders_are_listed_in_order() {
        let names: Vec<&str> = placeholders_in("Hi {first_name}, order {order_id} {first_name}").collect();
        assert_eq!(names, ["first_name", "order_id", "first_name"]);
        assert!(uses("order {order_id}", "order_id"));
        assert!(!uses("order {order}", "order_id"));
    }
}
