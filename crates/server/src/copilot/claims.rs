//! Claims of actions: "I've refunded…", "I have escalated…", "we've sent…". A draft
//! is written before anyone did anything, so a sentence like that is false until the
//! agent does it. The knowledge base refuses an answer that claims one without
//! saying, in `before_sending`, what the agent must do first (the panel shows it);
//! the evaluation counts drafts that claim one with nothing to do first.

use std::sync::LazyLock;

use regex::Regex;

/// A first-person perfect ("I've refunded", "we have sent") or a simple past of a
/// doing verb ("I just resent", "I checked"). The verb is captured and judged by
/// [`is_doing`].
static CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"(?i)\b(?:i(?:'|’)ve|i have|we(?:'|’)ve|we have|i just|i)\s+(?:just\s+|already\s+)?([a-z]+)\b")
        .expect("claim pattern")
});

/// Past forms of doing verbs that do not end in -ed.
const IRREGULAR: &[&str] = &["sent", "resent", "made", "put", "set", "done", "given", "taken", "written", "reset"];

/// Past forms that report rather than act: "we've received your message" is true
/// when the draft is written.
const NOT_ACTIONS: &[&str] = &["received", "noticed", "needed", "wanted", "used", "heard", "understood", "read"];

/// Whether a perfect's participle (or a past) is something done for the customer.
fn is_doing(verb: &str, perfect: bool) -> bool {
    let verb = verb.to_lowercase();
    if NOT_ACTIONS.contains(&verb.as_str()) {
        return false;
    }
    // "I need", "I'll", "I'm" are not pasts; after "I" alone only the listed
    // verbs count, since "-ed" there is also an adjective ("I'm pleased").
    IRREGULAR.contains(&verb.as_str()) || (verb.ends_with("ed") && (perfect || PAST_AFTER_I.contains(&verb.as_str())))
}

/// Simple pasts that claim an action after a bare "I" ("I checked your order").
const PAST_AFTER_I: &[&str] = &[
    "asked",
    "escalated",
    "refunded",
    "issued",
    "canceled",
    "cancelled",
    "checked",
    "opened",
    "emailed",
    "shared",
    "logged",
    "passed",
    "removed",
    "opted",
    "requested",
    "reviewed",
    "arranged",
    "applied",
    "added",
    "changed",
    "updated",
    "credited",
    "extended",
    "filed",
    "flagged",
    "forwarded",
    "noted",
    "booked",
    "scheduled",
    "raised",
    "processed",
    "approved",
    "shipped",
    "replaced",
    "unlocked",
    "restored",
    "deleted",
    "contacted",
    "called",
    "started",
    "initiated",
    "submitted",
    "resolved",
    "fixed",
    "verified",
    "confirmed",
];

/// Whether the words just before a claim make it a condition, not a report: "once
/// we've verified your identity", "after I've checked", "if I've missed anything".
fn conditional(before: &str) -> bool {
    let last = before.trim_end().rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_lowercase();
    ["once", "after", "when", "until", "if", "before", "unless"].contains(&last.as_str())
        || before.trim_end().to_lowercase().ends_with("as soon as")
}

/// Claims in other languages the knowledge base has articles in: the Spanish
/// perfect ("he reembolsado"), Chinese 已经 + verb, Japanese 〜しました of a doing verb.
static CLAIM_OTHER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(
        r"(?i)\b(?:he|hemos)\s+(?:reembolsado|enviado|cancelado|revisado|comprobado|escalado|abierto|solicitado|cambiado)\b|已经?(?:退款|发送|取消|查看|核实|升级|提交|安排)|(?:返金|送信|キャンセル|確認|手配|エスカレーション)(?:いた)?しました",
    )
    .expect("claim pattern, other languages")
});

/// The first claim of an action in `text`, as written.
#[must_use]
pub fn first_claim(text: &str) -> Option<&str> {
    CLAIM
        .captures_iter(text)
        .find(|c| {
            let Some(whole) = c.get(0) else { return false };
            let lower = whole.as_str().to_lowercase();
            let perfect = lower.contains("ve ") || lower.contains("have ");
            !conditional(&text[..whole.start()]) && c.get(1).is_some_and(|v| is_doing(v.as_str(), perfect))
        })
        .and_then(|c| c.get(0))
        .or_else(|| CLAIM_OTHER.find(text))
        .map(|m| m.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_claimed_are_found() {
        for text in [
            "I've asked the warehouse to cancel order KH-1.",
            "I've escalated this to our customer care lead.",
            "I have checked order #4: it left.",
            "I’ve refunded the second charge.",
            "We've sent a replacement.",
            "I just resent the email.",
            "I've started a refund for order #4.",
            "I checked with the warehouse.",
            "He reembolsado el cargo.",
            "已经退款了。",
            "返金いたしました。",
        ] {
            assert!(first_claim(text).is_some(), "{text}");
        }
    }

    #[test]
    fn offers_and_facts_are_not_claims() {
        for text in [
            "I can ask the warehouse to cancel it.",
            "Once you confirm, I'll open a trace with the carrier.",
            "Refunds are processed within 2 business days.",
            "If you'd like, I can escalate this to our lead.",
            "Could you send me the order number?",
            "I'm sorry your order is late.",
            "Puedo revisar el pedido.",
            "We've received your message.",
            "I've been a customer since 2019.",
            "I need a refund.",
            "I'm pleased to help.",
            "We can reset it once we've verified your identity.",
            "As soon as I've checked, I'll write back.",
        ] {
            assert_eq!(first_claim(text), None, "{text}");
        }
    }
}
