//! The copilot's evaluation: runs the copilot over the labelled cases in
//! `assets/kb/eval.toml` and scores each draft against its label. `frontdesk admin
//! copilot-eval` prints the figures; the test below fails when they fall below
//! [`RECORDED`], so a change to ranking or to the knowledge base that makes drafts
//! worse does not pass unnoticed.
//!
//! A case is *right* when the draft answers the customer's last message (its article
//! is one the label names, or the label says "close" and the draft is the close), or
//! when the label says "nothing" fits and there is no draft. A draft in another
//! language than the customer's, a draft that claims an action with nothing for the
//! agent to do first, and a draft carrying a name in place of the sender's
//! placeholder are counted apart: each should be zero.

use std::fmt;

use serde::Deserialize;

use super::{ContextMessage, Copilot, CopilotError, Draft, SuggestContext, claims};
use frontdesk_domain::{AuthorKind, Channel, MessageKind};

const EMBEDDED: &str = include_str!("../../assets/kb/eval.toml");

/// The agent who asks for every draft: a name that must never appear in one.
const ASKING_AGENT: &str = "Farid Haddad";

/// The figures as last measured (`frontdesk admin copilot-eval`); the test fails
/// below them. Raise them when the copilot gets better.
pub const RECORDED: Recorded = Recorded { right_percent: 88, answered: 38, rightly_silent: 10 };

/// The floor the evaluation must stay above.
#[derive(Clone, Copy, Debug)]
pub struct Recorded {
    pub right_percent: u32,
    pub answered: usize,
    pub rightly_silent: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalFile {
    #[serde(rename = "case")]
    cases: Vec<Case>,
}

/// One labelled conversation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub contact: String,
    pub channel: Channel,
    #[serde(default)]
    pub subject: Option<String>,
    /// Answer ids, "close" or "nothing"; any one is right.
    pub expect: Vec<String>,
    pub lang: String,
    #[serde(rename = "message")]
    pub messages: Vec<CaseMessage>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMessage {
    pub from: AuthorKind,
    #[serde(default = "reply")]
    pub kind: MessageKind,
    pub body: String,
}

fn reply() -> MessageKind {
    MessageKind::Reply
}

impl Case {
    fn context(&self) -> SuggestContext {
        SuggestContext {
            contact_name: self.contact.clone(),
            agent_name: ASKING_AGENT.to_owned(),
            channel: self.channel.clone(),
            subject: self.subject.clone(),
            messages: self
                .messages
                .iter()
                .map(|m| ContextMessage { author: m.from.clone(), kind: m.kind, body: m.body.clone() })
                .collect(),
        }
    }
}

/// The labelled set compiled into the binary.
///
/// # Errors
/// When `assets/kb/eval.toml` does not parse (the test below makes sure it does).
pub fn cases() -> Result<Vec<Case>, CopilotError> {
    let file: EvalFile =
        toml::from_str(EMBEDDED).map_err(|e| CopilotError::KnowledgeBase(format!("assets/kb/eval.toml: {e}")))?;
    Ok(file.cases)
}

/// How one draft did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Answers the last message (or closes when the customer is done).
    Answered,
    /// No draft, and nothing fits.
    RightlySilent,
    /// No draft, though an article fits.
    Missed,
    /// A draft that does not answer the last message.
    OffTopic,
}

/// One case's outcome.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub case: String,
    pub verdict: Verdict,
    pub draft: Draft,
    pub expect: Vec<String>,
    /// Written in another language than the customer's.
    pub wrong_language: bool,
    /// The action claimed with nothing to do first, if any.
    pub false_claim: Option<String>,
    /// A name where the sender's placeholder belongs.
    pub signature_wrong: bool,
}

/// Every case's outcome, and the figures.
#[derive(Clone, Debug)]
pub struct Report {
    pub engine: String,
    pub outcomes: Vec<Outcome>,
}

/// Runs the copilot over every case.
///
/// # Errors
/// The LLM engine's, when that is the engine configured.
pub async fn run(copilot: &Copilot, cases: &[Case]) -> Result<Report, CopilotError> {
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in cases {
        let draft = copilot.suggest(&case.context()).await?;
        outcomes.push(judge(copilot, case, draft));
    }
    Ok(Report { engine: copilot.engine().as_str().to_owned(), outcomes })
}

fn judge(copilot: &Copilot, case: &Case, draft: Draft) -> Outcome {
    let drafted = draft.withheld.is_none();
    let articles: Vec<_> = draft.sources.iter().filter_map(|id| copilot.kb().get(id)).collect();
    let fits = articles
        .iter()
        .any(|a| case.expect.iter().any(|e| if e == "close" { a.closing } else { !a.closing && a.topic() == e }));
    let verdict = match (drafted, fits, case.expect.iter().any(|e| e == "nothing")) {
        (true, true, _) => Verdict::Answered,
        (true, false, _) => Verdict::OffTopic,
        (false, _, true) => Verdict::RightlySilent,
        (false, _, false) => Verdict::Missed,
    };
    let false_claim = (drafted && draft.before_sending.is_none())
        .then(|| claims::first_claim(&draft.body).map(str::to_owned))
        .flatten();
    let asking_first = super::fill::first_name(ASKING_AGENT).unwrap_or_default();
    let signature_wrong = drafted
        && (draft.body.contains(&asking_first)
            || (case.channel == Channel::Email && !draft.body.contains("{agent_name}")));
    Outcome {
        case: case.id.clone(),
        verdict,
        wrong_language: drafted && draft.lang != case.lang,
        false_claim,
        signature_wrong,
        expect: case.expect.clone(),
        draft,
    }
}

impl Report {
    fn count(&self, verdict: Verdict) -> usize {
        self.outcomes.iter().filter(|o| o.verdict == verdict).count()
    }

    #[must_use]
    pub fn answered(&self) -> usize {
        self.count(Verdict::Answered)
    }

    #[must_use]
    pub fn rightly_silent(&self) -> usize {
        self.count(Verdict::RightlySilent)
    }

    /// Answered or rightly silent, in percent of all cases (rounded down).
    #[must_use]
    pub fn right_percent(&self) -> u32 {
        let right = self.answered() + self.rightly_silent();
        u32::try_from(right * 100 / self.outcomes.len().max(1)).unwrap_or(0)
    }

    #[must_use]
    pub fn false_claims(&self) -> usize {
        self.outcomes.iter().filter(|o| o.false_claim.is_some()).count()
    }

    #[must_use]
    pub fn wrong_language(&self) -> usize {
        self.outcomes.iter().filter(|o| o.wrong_language).count()
    }

    #[must_use]
    pub fn signature_wrong(&self) -> usize {
        self.outcomes.iter().filter(|o| o.signature_wrong).count()
    }

    /// The cases whose customer writes in another language than English, and how
    /// many of them got a draft in that language or none.
    #[must_use]
    pub fn other_languages(&self, cases: &[Case]) -> (usize, usize) {
        let other: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| cases.iter().any(|c| c.id == o.case && c.lang != super::lang::DEFAULT))
            .collect();
        (other.len(), other.iter().filter(|o| !o.wrong_language).count())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for o in &self.outcomes {
            let what = match &o.draft.withheld {
                Some(reason) => format!("no draft: {reason}"),
                None => format!("{} ({}%, {})", o.draft.sources.join(", "), o.draft.confidence, o.draft.lang),
            };
            let verdict = match o.verdict {
                Verdict::Answered => "answered",
                Verdict::RightlySilent => "silent, rightly",
                Verdict::Missed => "MISSED",
                Verdict::OffTopic => "OFF-TOPIC",
            };
            writeln!(f, "{:<16} {:<34} {what}  [expected {}]", verdict, o.case, o.expect.join(" | "))?;
            if let Some(claim) = &o.false_claim {
                writeln!(f, "{:<16} {:<34} FALSE CLAIM: {claim:?}", "", "")?;
            }
            if o.wrong_language {
                writeln!(f, "{:<16} {:<34} WRONG LANGUAGE", "", "")?;
            }
            if o.signature_wrong {
                writeln!(f, "{:<16} {:<34} SIGNATURE: a name, not the sender's placeholder", "", "")?;
            }
        }
        let n = self.outcomes.len();
        writeln!(f)?;
        writeln!(f, "engine {}: {n} cases", self.engine)?;
        writeln!(
            f,
            "right: {}% ({} answered, {} rightly silent; {} missed, {} off-topic)",
            self.right_percent(),
            self.answered(),
            self.rightly_silent(),
            self.count(Verdict::Missed),
            self.count(Verdict::OffTopic)
        )?;
        writeln!(f, "false claims: {}", self.false_claims())?;
        writeln!(f, "wrong language: {}", self.wrong_language())?;
        write!(f, "signature: {} drafts with a name in place of the sender's", self.signature_wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copilot::CopilotConfig;

    #[tokio::test]
    async fn the_copilot_stays_at_or_above_its_recorded_figures() {
        let copilot = Copilot::new(&CopilotConfig::default()).expect("the embedded copilot");
        let cases = cases().expect("the evaluation set parses");
        let report = run(&copilot, &cases).await.expect("the embedded engine never fails");
        println!("{report}");
        assert!(report.right_percent() >= RECORDED.right_percent, "right {}% < recorded", report.right_percent());
        assert!(report.answered() >= RECORDED.answered, "answered {} < recorded", report.answered());
        assert!(report.rightly_silent() >= RECORDED.rightly_silent, "silent {} < recorded", report.rightly_silent());
        assert_eq!(report.false_claims(), 0, "drafts claiming actions nobody took");
        assert_eq!(report.wrong_language(), 0, "drafts in another language than the customer's");
        assert_eq!(report.signature_wrong(), 0, "drafts signed with a name");
        let (other, matched) = report.other_languages(&cases);
        assert!(other >= 8, "the set has {other} non-English cases");
        assert_eq!(other, matched);
    }

    /// The cases issue 22 names, one by one: Emily and Lukas are done and get the
    /// close; Hugo's 40 offline thermostats get the outage answer, not store hours;
    /// the Japanese customer is answered in Japanese as 佐藤様.
    #[tokio::test]
    async fn the_cases_the_issue_names() {
        let copilot = Copilot::new(&CopilotConfig::default()).expect("the embedded copilot");
        let cases = cases().expect("the evaluation set parses");
        let case = |id: &str| cases.iter().find(|c| c.id == id).cloned().expect(id);
        for (id, source) in [
            ("demo-change-email-5", "thank-you-closing"),
            ("demo-where-is-my-order-3", "thank-you-closing"),
            ("demo-outage-business-1", "outage-status"),
            ("demo-ja-camera-setup-1", "device-wifi-setup-ja"),
        ] {
            let draft = copilot.suggest(&case(id).context()).await.expect("draft");
            assert_eq!(draft.sources, [source], "{id}: {draft:?}");
        }
        let ja = copilot.suggest(&case("demo-ja-camera-setup-1").context()).await.expect("draft");
        assert!(ja.body.starts_with("佐藤様"), "{}", ja.body);
        let close = copilot.suggest(&case("demo-change-email-5").context()).await.expect("draft");
        assert!(close.actions.iter().any(|a| a.action == "close"));
    }

    #[test]
    fn every_label_names_an_answer_that_exists() {
        let kb = crate::copilot::KnowledgeBase::embedded().expect("kb");
        let cases = cases().expect("the evaluation set parses");
        let mut ids = std::collections::HashSet::new();
        for case in &cases {
            assert!(ids.insert(case.id.as_str()), "case {} twice", case.id);
            assert!(!case.expect.is_empty(), "case {} expects nothing at all", case.id);
            for e in &case.expect {
                assert!(
                    e == "close" || e == "nothing" || kb.get(e).is_some_and(|a| a.translates.is_none()),
                    "case {}: {e:?} is not an English answer id, close or nothing",
                    case.id
                );
            }
            assert!(case.messages.last().is_some_and(|m| m.from == AuthorKind::Contact), "case {}", case.id);
        }
    }
}
