//! When things happened: the gaps between a script's messages by channel and speaker,
//! how long ago each shape's last message was, the squeeze that keeps every thread
//! within [`MAX_AGE`], and snoozes with their wake times and event lines.
//!
//! Ages are chosen before `now` is known (a seed gives the same inbox whenever it is
//! built); only [`Generator::timeline`] turns them into timestamps.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rand::Rng;
use rand::seq::IndexedRandom;

use frontdesk_domain::{Attachment, CallInfo, Channel, MessageKind};

use super::assets::{ScriptMessage, Speaker};
use super::generator::{Generator, Slot};
use super::shape::{Shape, WAKING_SOON};
use super::{DemoAuthor, DemoError, DemoMessage};

/// Nothing older than this (13.5 days), so every thread fits the "last two weeks".
const MAX_AGE: i64 = 27 * 43_200;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Chat,
    Mail,
    Voice,
}

fn family(channel: &Channel) -> Family {
    match channel {
        Channel::Sms | Channel::Whatsapp | Channel::Web | Channel::Other(_) => Family::Chat,
        Channel::Email | Channel::Api => Family::Mail,
        Channel::Voice => Family::Voice,
    }
}

/// A message before it has a time.
pub(super) struct Draft {
    pub(super) author: DemoAuthor,
    pub(super) kind: MessageKind,
    pub(super) body: String,
    pub(super) attachments: Vec<Attachment>,
    pub(super) call: Option<CallInfo>,
    /// Seconds since the previous message.
    pub(super) gap: i64,
}

/// When a snoozed conversation wakes, as chosen before `now` is known.
#[derive(Clone, Copy)]
pub(super) enum Snooze {
    /// Snoozed for `length` minutes, of which `left` remain.
    Soon { length: i64, left: i64 },
    /// Snoozed `age` seconds ago for `hours` hours.
    Hours { age: i64, hours: i64 },
    /// Until 09:00 (UTC) on the first day after the snooze that is still ahead.
    NextMorning { age: i64 },
    /// Until Monday 09:00 (UTC).
    Monday { age: i64 },
}

impl Snooze {
    /// When the snooze was set, in seconds before now.
    fn set_age(self) -> i64 {
        match self {
            Self::Soon { length, left } => (length - left) * 60,
            Self::Hours { age, .. } | Self::NextMorning { age } | Self::Monday { age } => age,
        }
    }
}

impl Generator<'_> {
    /// Seconds between two script lines: the script's `after`, or what is usual for
    /// the channel and who speaks.
    pub(super) fn gap(&mut self, prev: &ScriptMessage, next: &ScriptMessage, channel: &Channel) -> i64 {
        if let Some(after) = next.after_secs() {
            let jitter = self.rng.random_range(0.8..1.25);
            return round_secs(after, jitter);
        }
        let fam = family(channel);
        let (lo, hi) = match (next.from, next.kind()) {
            (Speaker::System, _) => (5, 90),
            (Speaker::Agent | Speaker::Agent2, MessageKind::Note) => (120, 1_500),
            (Speaker::Ai, _) if prev.from == Speaker::Ai => (2, 8),
            (Speaker::Ai, _) => (4, 20),
            (Speaker::Agent | Speaker::Agent2, _) => match (prev.from, fam) {
                (Speaker::Contact, Family::Chat) => (180, 2_400),
                (Speaker::Contact, Family::Mail) => (1_500, 18_000),
                (Speaker::Contact, Family::Voice) => (1_200, 10_800),
                (Speaker::Ai, _) => (300, 2_400),
                (_, Family::Chat) => (60, 600),
                (_, _) => (300, 3_600),
            },
            (Speaker::Contact, _) => match (prev.from, fam) {
                (Speaker::Contact, Family::Chat) => (15, 180),
                (Speaker::Contact, Family::Mail) => (1_200, 14_400),
                (Speaker::Contact, Family::Voice) => (600, 2_400),
                (_, Family::Chat) => (60, 1_800),
                (_, Family::Mail) => (3_600, 43_200),
                (_, Family::Voice) => (1_800, 21_600),
            },
        };
        self.rng.random_range(lo..=hi)
    }

    /// How long ago the last message was, by shape; for snoozed ones also the snooze.
    pub(super) fn end_age(&mut self, slot: &Slot) -> (i64, Option<Snooze>) {
        const MIN: i64 = 60;
        const HOUR: i64 = 3_600;
        const DAY: i64 = 86_400;
        let rng = &mut self.rng;
        let age = match slot.shape {
            Shape::Handoff => rng.random_range(3 * MIN..=5 * HOUR),
            Shape::AiLed => rng.random_range(MIN..=4 * HOUR),
            // Strictly inside 2–30 hours, whatever the seconds of `now`.
            Shape::Overdue => rng.random_range(2 * HOUR + 5 * MIN..=29 * HOUR + 50 * MIN),
            Shape::Fresh => rng.random_range(MIN..=28 * MIN),
            Shape::Waiting => rng.random_range(35 * MIN..=110 * MIN),
            Shape::Replied => rng.random_range(20 * MIN..=20 * HOUR),
            Shape::Pending if rng.random_bool(0.6) => rng.random_range(HOUR..=DAY),
            Shape::Pending => rng.random_range(DAY..=5 * DAY),
            // Most of the inbox's activity is in the last two days.
            Shape::Closed if rng.random_bool(0.35) => rng.random_range(2 * HOUR..=2 * DAY),
            Shape::Closed => rng.random_range(2 * DAY..=13 * DAY),
            Shape::Snoozed => {
                let snooze = if slot.nth < WAKING_SOON {
                    let length = *[15, 30, 60].choose(rng).unwrap_or(&30);
                    Snooze::Soon { length, left: rng.random_range(2..=9) }
                } else {
                    match rng.random_range(0..3) {
                        0 => {
                            Snooze::Hours { age: rng.random_range(10 * MIN..=2 * HOUR), hours: rng.random_range(3..=6) }
                        }
                        1 => Snooze::NextMorning { age: rng.random_range(10 * MIN..=10 * HOUR) },
                        _ => Snooze::Monday { age: rng.random_range(HOUR..=2 * DAY) },
                    }
                };
                // The agent answered, then snoozed it a minute or two later.
                return (snooze.set_age() + rng.random_range(40..=180), Some(snooze));
            }
        };
        (age, None)
    }

    /// The drafts with their times, the last `end_age` seconds before now, and the
    /// snooze line and wake time of a snoozed conversation.
    pub(super) fn timeline(
        mut drafts: Vec<Draft>,
        end_age: i64,
        snooze: Option<Snooze>,
        now: Timestamp,
    ) -> Result<(Vec<DemoMessage>, Option<Timestamp>), DemoError> {
        let mut ages = Self::ages(&drafts, end_age);
        let mut snoozed_until = None;
        if let Some(snooze) = snooze {
            let (until, text) = snooze_times(snooze, now)?;
            drafts.push(Draft {
                author: DemoAuthor::System,
                kind: MessageKind::Event,
                body: text,
                attachments: Vec::new(),
                call: None,
                gap: 0,
            });
            ages.push(snooze.set_age());
            snoozed_until = Some(until);
        }
        let messages = drafts
            .into_iter()
            .zip(ages)
            .map(|(d, age)| {
                Ok(DemoMessage {
                    at: now.checked_sub(SignedDuration::from_secs(age))?,
                    author: d.author,
                    kind: d.kind,
                    body: d.body,
                    attachments: d.attachments,
                    call: d.call,
                })
            })
            .collect::<Result<Vec<_>, jiff::Error>>()?;
        Ok((messages, snoozed_until))
    }

    /// Ages (seconds before now) of each draft, the last at `end_age`; squeezed if the
    /// story would reach further back than [`MAX_AGE`].
    fn ages(drafts: &[Draft], end_age: i64) -> Vec<i64> {
        let gaps: Vec<i64> = drafts.iter().skip(1).map(|d| d.gap.max(1)).collect();
        let total: i64 = gaps.iter().sum();
        let room = (MAX_AGE - end_age).max(i64::try_from(gaps.len()).unwrap_or(i64::MAX));
        let gaps: Vec<i64> = if end_age + total > MAX_AGE {
            #[allow(clippy::cast_precision_loss)] // seconds within weeks: exact in f64
            let factor = room as f64 / total as f64;
            gaps.iter().map(|&g| round_secs(g, factor).max(1)).collect()
        } else {
            gaps
        };
        let mut ages = vec![end_age; drafts.len()];
        for i in (0..gaps.len()).rev() {
            ages[i] = ages[i + 1] + gaps[i];
        }
        ages
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)] // seconds within weeks
fn round_secs(secs: i64, factor: f64) -> i64 {
    (secs as f64 * factor).round() as i64
}

/// When a snooze ends, and its event line.
fn snooze_times(snooze: Snooze, now: Timestamp) -> Result<(Timestamp, String), DemoError> {
    let utc = |t: Timestamp| t.to_zoned(TimeZone::UTC);
    let set = utc(now.checked_sub(SignedDuration::from_secs(snooze.set_age()))?);
    let nine = |day: jiff::civil::Date| day.at(9, 0, 0, 0).to_zoned(TimeZone::UTC).map(|z| z.timestamp());
    let until = match snooze {
        Snooze::Soon { left, .. } => now.checked_add(SignedDuration::from_mins(left))?,
        Snooze::Hours { hours, .. } => set.timestamp().checked_add(SignedDuration::from_hours(hours))?,
        Snooze::NextMorning { .. } => {
            let mut day = set.date().checked_add(1.day())?;
            while nine(day)? <= now {
                day = day.checked_add(1.day())?;
            }
            nine(day)?
        }
        Snooze::Monday { .. } => {
            let mut day = utc(now).date().checked_add(1.day())?;
            while day.weekday() != Weekday::Monday {
                day = day.checked_add(1.day())?;
            }
            nine(day)?
        }
    };
    // Worded from when it was set, as the line was written then.
    let wake = utc(until);
    let days = (wake.date() - set.date()).get_days();
    let text = match days {
        0 => format!("Snoozed until {}", wake.strftime("%H:%M")),
        1 => format!("Snoozed until tomorrow {}", wake.strftime("%H:%M")),
        _ => format!("Snoozed until {}", wake.strftime("%A %H:%M")),
    };
    Ok((until, text))
}
