//! The embedded engine: reads the thread ([`Reading`]), then drafts the close when the
//! customer is done, or the best answer to their last turn in their language, or no
//! draft at all when nothing fits well enough. An off-topic draft one key from the
//! customer is worse than none: the agent writes their own either way, but only a
//! wrong draft can be sent by mistake.

use super::fill::Fill;
use super::kb::{Answer, Hit, KnowledgeBase};
use super::reading::{Done, Reading};
use super::{Draft, SuggestContext, lang};

/// Below this confidence (0–100) there is no draft.
pub const THRESHOLD: u8 = 50;

/// How sure a close is: thanks with words that the matter is settled, or a bare
/// thanks after our reply.
const CLOSE_SETTLED: u8 = 90;
const CLOSE_THANKS: u8 = 75;

/// How sure a close is, for either engine.
#[must_use]
pub fn close_confidence(done: Done) -> u8 {
    if done == Done::Settled { CLOSE_SETTLED } else { CLOSE_THANKS }
}

impl KnowledgeBase {
    /// The draft for the conversation.
    #[must_use]
    pub fn draft(&self, ctx: &SuggestContext) -> Draft {
        self.draft_other_than(ctx, &[])
    }

    /// The best draft whose article is not among `given` (already offered for this
    /// turn): asking again gives the next-best, not the same one.
    #[must_use]
    pub fn draft_other_than(&self, ctx: &SuggestContext, given: &[String]) -> Draft {
        let reading = Reading::new(ctx);
        let lang = reading.lang.clone();
        if reading.turn.is_empty() {
            return Draft::withheld("nothing to answer: the last word in the thread is ours", &lang);
        }
        if !self.speaks(&lang) {
            return Draft::withheld(&format!("no article in {}", lang::name(&lang)), &lang);
        }
        if let Some(done) = reading.done {
            let confidence = close_confidence(done);
            return match self.closing(&lang) {
                Some(answer) if !given.contains(&answer.id) => drafted(ctx, answer, confidence),
                Some(_) => Draft::withheld("the customer is done: the close was offered already", &lang),
                None => Draft::withheld(&format!("no closing article in {}", lang::name(&lang)), &lang),
            };
        }
        let hits = self.ranked(&reading);
        let fresh: Vec<&Hit<'_>> = hits.iter().filter(|h| !given.contains(&h.answer.id)).collect();
        match fresh.first() {
            Some(best) if best.confidence >= THRESHOLD => drafted(ctx, best.answer, best.confidence),
            Some(best) => Draft::withheld(
                &format!(
                    "no {}confident suggestion: the best match, \"{}\", is {}% sure",
                    if given.is_empty() { "" } else { "other " },
                    best.answer.title,
                    best.confidence
                ),
                &lang,
            ),
            None if given.is_empty() => Draft::withheld("no confident suggestion: no article matches", &lang),
            None => Draft::withheld("no other confident suggestion", &lang),
        }
    }

    /// The answers for the customer's turn, best first, each with its confidence.
    #[must_use]
    pub fn ranked(&self, reading: &Reading<'_>) -> Vec<Hit<'_>> {
        if reading.lang == lang::DEFAULT {
            return self.search(&reading.query());
        }
        let text: Vec<&str> = reading.query().into_iter().map(|(t, _)| t).collect();
        self.keyword_search(&reading.lang, &text.join("\n"))
    }
}

/// The answer filled in for this conversation and channel.
fn drafted(ctx: &SuggestContext, answer: &Answer, confidence: u8) -> Draft {
    Draft {
        body: answer.text(&Fill::for_draft(ctx), &ctx.channel),
        actions: answer.actions.clone(),
        sources: vec![answer.id.clone()],
        engine: "kb".to_owned(),
        confidence,
        lang: answer.lang.clone(),
        before_sending: answer.before_sending.clone(),
        withheld: None,
    }
}

#[cfg(test)]
mod tests;
