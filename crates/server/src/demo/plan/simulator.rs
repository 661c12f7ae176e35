//! The traffic simulator: an endless, seeded stream of inbound lines from
//! `assets/demo/inbound.toml` — follow-ups into the plan's live conversations and
//! openers from new people — for the demo to send every few seconds.
//!
//! To extend: add lines to `inbound.toml`; to change the mix of follow-ups and
//! newcomers, see [`Simulator::next`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use frontdesk_domain::{Channel, Status};

use super::assets::{CONTACTS, ContactsFile, FollowupEntry, INBOUND, InboundFile, OpenerEntry, WalkinEntry, parse};
use super::render::{Vars, first_word, handle_for, render_or_raw};
use super::{DemoContact, DemoError, DemoPlan, SimulatedInbound, plan};

/// The traffic simulator's source of inbound lines: follow-ups from contacts with a
/// live conversation in the plan (about 60%) and openers from new people (about 40%).
/// Deterministic from its seed; the pacing (every few seconds) is the caller's, with
/// [`Simulator::next_delay`] as a suggestion.
#[derive(Debug)]
pub struct Simulator {
    rng: StdRng,
    live: Vec<LiveThread>,
    followups: Vec<FollowupEntry>,
    openers: Vec<OpenerEntry>,
    walkins: Vec<WalkinEntry>,
    walkin_uses: Vec<u32>,
    recent_bodies: VecDeque<String>,
    recent_threads: VecDeque<usize>,
}

impl Simulator {
    /// A simulator for the plan that [`plan`] builds with the same `seed`. The plan's
    /// structure does not depend on `now`, so this finds the same live conversations
    /// whatever time the plan was made at.
    ///
    /// # Errors
    /// As [`plan`].
    pub fn new(seed: u64) -> Result<Self, DemoError> {
        // Any instant works: only which conversations are live matters here.
        let reference_now = Timestamp::from_second(1_767_225_600)?;
        Self::from_plan(&plan(reference_now, seed)?, seed)
    }

    /// A simulator for a plan the caller already holds.
    ///
    /// # Errors
    /// When `inbound.toml` or `contacts.toml` does not parse or breaks a rule.
    pub fn from_plan(plan: &DemoPlan, seed: u64) -> Result<Self, DemoError> {
        let inbound: InboundFile = parse(&INBOUND)?;
        inbound.validate()?;
        let contacts: ContactsFile = parse(&CONTACTS)?;
        let langs: HashMap<&str, (&str, String)> =
            contacts.contact.iter().map(|c| (c.name.as_str(), (c.lang.as_str(), c.greeting()))).collect();
        let mut threaded = HashSet::new();
        let live = plan
            .conversations
            .iter()
            .filter(|c| c.status != Status::Closed && !c.archived)
            .filter(|c| threaded.insert((c.channel.clone(), c.contact.handle.clone())))
            .map(|c| {
                let (lang, first) =
                    langs.get(c.contact.name.as_str()).cloned().unwrap_or(("en", first_word(&c.contact.name)));
                LiveThread {
                    contact: c.contact.clone(),
                    channel: c.channel.clone(),
                    subject: c.subject.clone(),
                    lang: lang.to_owned(),
                    first,
                }
            })
            .collect();
        let walkin_uses = vec![0; inbound.walkin.len()];
        Ok(Self {
            // A different stream from the plan's, so lines do not echo its choices.
            rng: StdRng::seed_from_u64(seed ^ 0x51a1_a7ed_1b0b_d5e7),
            live,
            followups: inbound.followup,
            openers: inbound.opener,
            walkins: inbound.walkin,
            walkin_uses,
            recent_bodies: VecDeque::new(),
            recent_threads: VecDeque::new(),
        })
    }

    /// The next inbound message.
    #[allow(clippy::should_implement_trait)] // an endless stream: an Iterator would never return None
    pub fn next(&mut self) -> SimulatedInbound {
        if !self.live.is_empty() && self.rng.random_bool(0.6) { self.followup() } else { self.newcomer() }
    }

    /// How long to wait before the next line: a few seconds, varied so traffic does not
    /// tick like a metronome.
    pub fn next_delay(&mut self) -> Duration {
        Duration::from_millis(self.rng.random_range(2_000..=7_000))
    }

    fn followup(&mut self) -> SimulatedInbound {
        let mut index = self.rng.random_range(0..self.live.len());
        for _ in 0..8 {
            if !self.recent_threads.contains(&index) {
                break;
            }
            index = self.rng.random_range(0..self.live.len());
        }
        remember(&mut self.recent_threads, index, 5);
        let thread = &self.live[index];
        // Someone who wrote in their own language mostly follows up in it.
        let fitting = |i: &usize| self.followups[*i].fits(&thread.channel);
        let own: Vec<usize> =
            (0..self.followups.len()).filter(fitting).filter(|&i| self.followups[i].lang == thread.lang).collect();
        let mut pool: Vec<usize> =
            (0..self.followups.len()).filter(fitting).filter(|&i| self.followups[i].lang == "en").collect();
        if thread.lang != "en" && !own.is_empty() && (pool.is_empty() || self.rng.random_bool(0.5)) {
            pool = own;
        }
        let line = pick_fresh(&mut self.rng, &pool, &self.recent_bodies, |i| self.followups[i].body.as_str());
        let vars = Vars::for_simulator(&mut self.rng, &thread.first);
        let body = render_or_raw(&self.followups[line].body, &vars);
        let subject = match thread.channel {
            Channel::Email | Channel::Api => thread.subject.as_ref().map(|s| reply_subject(s)),
            _ => None,
        };
        remember(&mut self.recent_bodies, self.followups[line].body.clone(), 10);
        SimulatedInbound {
            contact: thread.contact.clone(),
            channel: thread.channel.clone(),
            subject,
            body,
            existing: true,
        }
    }

    fn newcomer(&mut self) -> SimulatedInbound {
        let all: Vec<usize> = (0..self.openers.len()).collect();
        let line = pick_fresh(&mut self.rng, &all, &self.recent_bodies, |i| self.openers[i].body.as_str());
        let opener = &self.openers[line];
        remember(&mut self.recent_bodies, opener.body.clone(), 10);
        // A line in another language comes from someone who speaks it.
        let mut people: Vec<usize> = (0..self.walkins.len()).filter(|&i| self.walkins[i].lang == opener.lang).collect();
        if people.is_empty() {
            people = (0..self.walkins.len()).collect();
        }
        let fewest = people.iter().map(|&i| self.walkin_uses[i]).min().unwrap_or(0);
        people.retain(|&i| self.walkin_uses[i] == fewest);
        let who = people.choose(&mut self.rng).copied().unwrap_or(0);
        let cycle = self.walkin_uses[who];
        self.walkin_uses[who] += 1;
        let walkin = &self.walkins[who];
        // Each round through the list gets new addresses, so a "new" contact is new.
        let email = walkin.email.as_deref().map(|e| vary_email(e, cycle));
        let phone = walkin.phone.as_deref().map(|p| vary_phone(p, cycle));
        let allowed: Vec<Channel> = opener
            .channels()
            .into_iter()
            .filter(|c| match c {
                Channel::Email | Channel::Api => email.is_some(),
                Channel::Sms | Channel::Whatsapp | Channel::Voice => phone.is_some(),
                Channel::Web | Channel::Other(_) => true,
            })
            .collect();
        let channel = allowed.choose(&mut self.rng).cloned().unwrap_or(Channel::Web);
        let subject = match channel {
            Channel::Email | Channel::Api => opener.subject.clone(),
            _ => None,
        };
        let handle = handle_for(&channel, email.as_deref(), phone.as_deref(), &walkin.name, cycle);
        let contact = DemoContact { name: walkin.name.clone(), handle, email, phone, company: None };
        let vars = Vars::for_simulator(&mut self.rng, &first_word(&walkin.name));
        let body = render_or_raw(&opener.body, &vars);
        SimulatedInbound { contact, channel, subject, body, existing: false }
    }
}

/// One of the plan's live conversations, as the simulator writes into it.
#[derive(Debug)]
struct LiveThread {
    contact: DemoContact,
    channel: Channel,
    subject: Option<String>,
    lang: String,
    first: String,
}

fn reply_subject(subject: &str) -> String {
    if subject.to_ascii_lowercase().starts_with("re:") { subject.to_owned() } else { format!("Re: {subject}") }
}

fn vary_email(email: &str, cycle: u32) -> String {
    match (cycle, email.split_once('@')) {
        (0, _) | (_, None) => email.to_owned(),
        (n, Some((local, domain))) => format!("{local}{}@{domain}", n + 1),
    }
}

/// Changes the last two digits only, so the number stays in its fictional range.
fn vary_phone(phone: &str, cycle: u32) -> String {
    if cycle == 0 || phone.len() < 3 || !phone.is_char_boundary(phone.len() - 2) {
        return phone.to_owned();
    }
    let (head, tail) = phone.split_at(phone.len() - 2);
    let last: u32 = tail.parse().unwrap_or(0);
    format!("{head}{:02}", (last + 37 * cycle) % 100)
}

fn remember<T: PartialEq>(recent: &mut VecDeque<T>, item: T, keep: usize) {
    recent.push_back(item);
    while recent.len() > keep {
        recent.pop_front();
    }
}

/// A random index from `pool` whose text was not sent lately (after a few tries, any).
fn pick_fresh<'a>(
    rng: &mut StdRng,
    pool: &[usize],
    recent: &VecDeque<String>,
    text: impl Fn(usize) -> &'a str,
) -> usize {
    let mut choice = pool.choose(rng).copied().unwrap_or(0);
    for _ in 0..8 {
        if !recent.iter().any(|r| r == text(choice)) {
            break;
        }
        choice = pool.choose(rng).copied().unwrap_or(0);
    }
    choice
}
