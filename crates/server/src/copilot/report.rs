//! What became of the copilot's drafts, per knowledge-base article and per agent:
//! sent as drafted, edited before sending (and by how much), dismissed, or held
//! back. `frontdesk admin copilot-report` prints it, so a team sees which articles
//! help and which need rewriting.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// One resolved or pending suggestion, as the report counts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The articles it drew on; empty when it was held back.
    pub sources: Vec<String>,
    /// pending, sent, edited, dismissed or superseded.
    pub status: String,
    /// Who sent, edited or dismissed it.
    pub agent: Option<String>,
    /// Characters changed between draft and sent, for sent and edited ones.
    pub edit_distance: Option<i64>,
    /// The copilot held the draft back.
    pub withheld: bool,
}

/// The counts for one article or one agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Drafts offered (held-back ones not included).
    pub offered: usize,
    pub sent_as_drafted: usize,
    pub edited: usize,
    pub dismissed: usize,
    /// Replaced by a newer draft, or still waiting.
    pub unanswered: usize,
    /// Mean characters changed in the edited ones.
    pub mean_edit: Option<f64>,
    #[serde(skip)]
    edit_total: i64,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        self.offered += 1;
        match o.status.as_str() {
            "sent" => self.sent_as_drafted += 1,
            "edited" => {
                self.edited += 1;
                self.edit_total += o.edit_distance.unwrap_or(0);
                #[allow(clippy::cast_precision_loss)] // counts far below 2^52
                let mean = self.edit_total as f64 / self.edited as f64;
                self.mean_edit = Some(mean);
            }
            "dismissed" => self.dismissed += 1,
            _ => self.unanswered += 1,
        }
    }

    /// Of the drafts an agent acted on, the share sent without a change.
    #[must_use]
    pub fn accepted_percent(&self) -> Option<usize> {
        let acted = self.sent_as_drafted + self.edited + self.dismissed;
        (acted > 0).then(|| self.sent_as_drafted * 100 / acted)
    }
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub by_article: BTreeMap<String, Tally>,
    pub by_agent: BTreeMap<String, Tally>,
    /// Suggestions where the copilot had no draft to offer.
    pub held_back: usize,
}

impl Report {
    #[must_use]
    pub fn new(outcomes: &[Outcome]) -> Self {
        let mut report = Self::default();
        for o in outcomes {
            if o.withheld {
                report.held_back += 1;
                continue;
            }
            for source in &o.sources {
                report.by_article.entry(source.clone()).or_default().add(o);
            }
            if let Some(agent) = &o.agent {
                report.by_agent.entry(agent.clone()).or_default().add(o);
            }
        }
        report
    }

    /// The report as JSON, for scripts and spreadsheets.
    ///
    /// # Errors
    /// Never in practice: every field serialises.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

fn table(f: &mut fmt::Formatter<'_>, heading: &str, rows: &BTreeMap<String, Tally>) -> fmt::Result {
    writeln!(
        f,
        "{heading:<28} {:>7} {:>6} {:>6} {:>9} {:>9} {:>9}",
        "offered", "as-is", "edited", "mean edit", "dismissed", "accepted"
    )?;
    for (name, t) in rows {
        let mean = t.mean_edit.map_or_else(|| "-".to_owned(), |m| format!("{m:.0} ch"));
        let accepted = t.accepted_percent().map_or_else(|| "-".to_owned(), |p| format!("{p}%"));
        writeln!(
            f,
            "{name:<28} {:>7} {:>6} {:>6} {mean:>9} {:>9} {accepted:>9}",
            t.offered, t.sent_as_drafted, t.edited, t.dismissed
        )?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(f, "article", &self.by_article)?;
        writeln!(f)?;
        table(f, "agent", &self.by_agent)?;
        writeln!(f)?;
        write!(f, "held back (no confident draft): {}", self.held_back)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(source: &str, status: &str, agent: &str, edit: Option<i64>) -> Outcome {
        Outcome {
            sources: vec![source.into()],
            status: status.into(),
            agent: Some(agent.into()),
            edit_distance: edit,
            withheld: false,
        }
    }

    #[test]
    fn counts_by_article_and_by_agent() {
        let report = Report::new(&[
            o("order-status", "sent", "Ana", Some(0)),
            o("order-status", "edited", "Ana", Some(40)),
            o("order-status", "edited", "Ben", Some(10)),
            o("refund-status", "dismissed", "Ben", None),
            Outcome { sources: vec![], status: "superseded".into(), agent: None, edit_distance: None, withheld: true },
        ]);
        let order = &report.by_article["order-status"];
        assert_eq!((order.offered, order.sent_as_drafted, order.edited), (3, 1, 2));
        assert_eq!(order.mean_edit, Some(25.0));
        assert_eq!(order.accepted_percent(), Some(33));
        assert_eq!(report.by_agent["Ben"].dismissed, 1);
        assert_eq!(report.held_back, 1);
        let text = report.to_string();
        assert!(text.contains("order-status"), "{text}");
        assert!(text.contains("25 ch"), "{text}");
        assert!(text.ends_with("held back (no confident draft): 1"), "{text}");
    }
}
