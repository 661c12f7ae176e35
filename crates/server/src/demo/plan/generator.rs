//! The [`Generator`]: fills each slot of the mix with a script, a cut, a channel, a
//! contact and agents, and turns it into a [`DemoConversation`]. Its timing half
//! (gaps between messages, ages, snoozes) is in `timeline.rs`.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use frontdesk_domain::{AgentRole, Attachment, CallInfo, Channel, MessageKind, Priority, Status};

use super::assets::{AgentEntry, AiRole, Assets, PoolContact, Script, ScriptMessage, Speaker, invalid, suits};
use super::render::{Vars, first_word, handle_for, order_number, render};
use super::shape::{CHANNEL_SHARE, Cut, QUOTAS, SUGGESTIONS, Shape, cuts};
use super::timeline::Draft;
use super::{DemoAgent, DemoAuthor, DemoContact, DemoConversation, DemoError, DemoPlan};

pub(super) struct Generator<'a> {
    assets: &'a Assets,
    pub(super) rng: StdRng,
    script_uses: Vec<u32>,
    contact_uses: Vec<u32>,
    channel_uses: HashMap<Channel, u32>,
    /// (channel, handle) of every live conversation: one live thread per address, so
    /// an inbound message has one place to go.
    live: HashSet<(Channel, String)>,
    cut_table: HashMap<(usize, Shape), Vec<Cut>>,
}

/// One conversation being made, before its times are known.
#[derive(Clone, Copy)]
pub(super) struct Slot {
    pub(super) shape: Shape,
    /// Its index among the slots of its shape.
    pub(super) nth: usize,
}

impl<'a> Generator<'a> {
    pub(super) fn new(assets: &'a Assets, seed: u64) -> Self {
        let mut cut_table = HashMap::new();
        for (i, script) in assets.scripts.iter().enumerate() {
            for (shape, _) in QUOTAS {
                cut_table.insert((i, shape), cuts(script, shape));
            }
        }
        Self {
            assets,
            rng: StdRng::seed_from_u64(seed),
            script_uses: vec![0; assets.scripts.len()],
            contact_uses: vec![0; assets.contacts.len()],
            channel_uses: HashMap::new(),
            live: HashSet::new(),
            cut_table,
        }
    }

    pub(super) fn run(mut self, now: Timestamp) -> Result<DemoPlan, DemoError> {
        let mut conversations = Vec::new();
        // The long threads first, each closed whole, so the demo always has a few
        // threads worth scrolling whatever the seed.
        let long: Vec<usize> = (0..self.assets.scripts.len()).filter(|&i| self.assets.scripts[i].long).collect();
        let mut closed_done = 0;
        for &script in &long {
            conversations.push(self.make(Slot { shape: Shape::Closed, nth: closed_done }, Some(script), now)?);
            closed_done += 1;
        }
        for (shape, count) in QUOTAS {
            let start = if shape == Shape::Closed { closed_done } else { 0 };
            for nth in start..count {
                conversations.push(self.make(Slot { shape, nth }, None, now)?);
            }
        }
        self.archive(&mut conversations);
        conversations.sort_by_key(|c| c.messages.last().map(|m| m.at));
        let org = &self.assets.org;
        Ok(DemoPlan {
            org_name: org.name.clone(),
            agents: org
                .agent
                .iter()
                .map(|a| DemoAgent { name: a.name.clone(), email: a.email.clone(), role: a.role, team: a.team.clone() })
                .collect(),
            ai_agents: vec![org.ai.chat.clone(), org.ai.voice.clone()],
            conversations,
        })
    }

    /// About a tenth of the inbox is archived: closed conversations, never the long
    /// threads (they are there to be seen).
    fn archive(&mut self, conversations: &mut [DemoConversation]) {
        let long: HashSet<&str> = self.assets.scripts.iter().filter(|s| s.long).map(|s| s.id.as_str()).collect();
        let mut closed: Vec<usize> = (0..conversations.len())
            .filter(|&i| conversations[i].status == Status::Closed && !long.contains(conversations[i].script.as_str()))
            .collect();
        closed.shuffle(&mut self.rng);
        for &i in closed.iter().take(conversations.len() / 10) {
            let c = &mut conversations[i];
            c.archived = true;
            c.starred = false;
            c.unread = false;
        }
    }

    fn make(&mut self, slot: Slot, script: Option<usize>, now: Timestamp) -> Result<DemoConversation, DemoError> {
        let (script_index, cut, channel, contact_index) = self.choose(&slot, script)?;
        let assets = self.assets;
        let script = &assets.scripts[script_index];
        self.script_uses[script_index] += 1;
        self.contact_uses[contact_index] += 1;
        *self.channel_uses.entry(channel.clone()).or_default() += 1;
        let contact = &assets.contacts[contact_index];
        let handle = handle_for(&channel, contact.email.as_deref(), contact.phone.as_deref(), &contact.name, 0);
        if slot.shape != Shape::Closed {
            self.live.insert((channel.clone(), handle.clone()));
        }

        let (agent, agent2) = self.agents_for(script);
        let ai_name = match script.ai {
            Some(AiRole::Voice) => &assets.org.ai.voice,
            _ => &assets.org.ai.chat,
        };
        let vars = self.vars(script, contact, agent, agent2, ai_name);
        let err = |e: String| invalid(script.file, format!("script {}: {e}", script.id));
        let subject = match (&channel, &script.subject) {
            (Channel::Email | Channel::Api, Some(s)) => Some(render(s, &vars).map_err(err)?),
            // Web chats started from the contact form carry a subject; chats do not.
            (Channel::Web, Some(s)) if self.rng.random_bool(0.5) => Some(render(s, &vars).map_err(err)?),
            _ => None,
        };

        let spoken_by_agents =
            script.message[..cut.end].iter().any(|m| matches!(m.from, Speaker::Agent | Speaker::Agent2));
        let assignee = match slot.shape {
            Shape::Handoff | Shape::AiLed => None,
            // Nobody has answered yet: some are still in the team queue.
            _ if !spoken_by_agents && self.rng.random_bool(0.5) => None,
            _ => Some(agent),
        };

        let mut drafts = self.drafts(script, cut.end, &channel, &vars, agent, agent2, ai_name)?;
        if let Some(assignee) = assignee {
            self.note_assignment(&mut drafts, script, assignee);
        }
        let (end_age, snooze) = self.end_age(&slot);
        let (messages, snoozed_until) = Self::timeline(drafts, end_age, snooze, now)?;

        let customer_last = matches!(slot.shape, Shape::Overdue | Shape::Fresh | Shape::Waiting);
        let wants_suggestion = SUGGESTIONS.iter().any(|&(shape, n)| shape == slot.shape && slot.nth < n);
        let unread = match slot.shape {
            Shape::Handoff => true,
            _ if wants_suggestion => true,
            _ if customer_last => self.rng.random_bool(0.85),
            Shape::AiLed => self.rng.random_bool(0.5),
            Shape::Closed => false,
            _ => self.rng.random_bool(0.1),
        };
        let starred = self.rng.random_bool(if slot.shape == Shape::Closed { 0.05 } else { 0.14 });
        let mut tags = script.tags.clone();
        if self.rng.random_bool(0.07) {
            tags.push("vip".to_owned());
        }
        Ok(DemoConversation {
            contact: DemoContact {
                name: contact.name.clone(),
                handle,
                email: contact.email.clone(),
                phone: contact.phone.clone(),
                company: contact.company.clone(),
            },
            channel,
            subject,
            status: slot.shape.status(),
            snoozed_until,
            assignee_email: assignee.map(|a| a.email.clone()),
            team: Some(script.team.clone()),
            tags,
            starred,
            unread,
            archived: false,
            priority: self.priority(&script.priority, &slot, end_age),
            ai_state: cut.ai_state,
            ai_agent: cut.ai_seen.then(|| ai_name.clone()),
            wants_suggestion,
            messages,
            script: script.id.clone(),
        })
    }

    /// The script, cut and channel and contact for a slot: the least-used script that
    /// can take the shape, on a channel and with a contact still free for it.
    fn choose(&mut self, slot: &Slot, only: Option<usize>) -> Result<(usize, Cut, Channel, usize), DemoError> {
        let mut candidates: Vec<(u32, u32, usize)> = (0..self.assets.scripts.len())
            .filter(|&i| only.is_none_or(|o| o == i))
            .filter(|&i| self.cut_table.get(&(i, slot.shape)).is_some_and(|c| !c.is_empty()))
            .map(|i| (self.script_uses[i], self.rng.random::<u32>(), i))
            .collect();
        candidates.sort_unstable();
        let assets = self.assets;
        for (_, _, index) in candidates {
            let script = &assets.scripts[index];
            let Some(channel) = self.pick_channel(script, slot.shape) else {
                continue;
            };
            let Some(contact) = self.pick_contact(script, &channel, slot.shape) else {
                continue;
            };
            let Some(options) = self.cut_table.get(&(index, slot.shape)) else {
                continue;
            };
            // Long threads stay long; other scripts stop anywhere the shape allows.
            let cut = if script.long { options.last() } else { options.choose(&mut self.rng) };
            if let Some(&cut) = cut {
                return Ok((index, cut, channel, contact));
            }
        }
        Err(invalid("contacts.toml", format!("not enough free contacts for a {:?} conversation", slot.shape)))
    }

    fn pick_channel(&mut self, script: &Script, shape: Shape) -> Option<Channel> {
        let total: u32 = self.channel_uses.values().sum();
        let mut best: Option<(f64, &Channel)> = None;
        for channel in &script.channels {
            if !self.assets.contacts.iter().any(|c| self.free(script, c, channel, shape)) {
                continue;
            }
            let target = CHANNEL_SHARE.iter().find(|(c, _)| c == channel).map_or(0.1, |(_, s)| *s);
            let used = f64::from(self.channel_uses.get(channel).copied().unwrap_or(0));
            // The channel furthest behind its share wins, with a little noise.
            let score = target * f64::from(total + 1) - used + self.rng.random_range(0.0..0.6);
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, channel));
            }
        }
        best.map(|(_, c)| c.clone())
    }

    fn free(&self, script: &Script, contact: &PoolContact, channel: &Channel, shape: Shape) -> bool {
        suits(script, contact, channel)
            && (shape == Shape::Closed || {
                let handle = handle_for(channel, contact.email.as_deref(), contact.phone.as_deref(), &contact.name, 0);
                !self.live.contains(&(channel.clone(), handle))
            })
    }

    fn pick_contact(&mut self, script: &Script, channel: &Channel, shape: Shape) -> Option<usize> {
        let contacts = &self.assets.contacts;
        let mut fit: Vec<usize> =
            (0..contacts.len()).filter(|&i| self.free(script, &contacts[i], channel, shape)).collect();
        // Spread the pool: the least-seen customers first. English scripts prefer
        // English speakers, keeping the others for the scripts in their language.
        let rank = |i: usize| (self.contact_uses[i], u32::from(script.lang.is_none() && contacts[i].lang != "en"));
        let best = fit.iter().map(|&i| rank(i)).min()?;
        fit.retain(|&i| rank(i) == best);
        fit.choose(&mut self.rng).copied()
    }

    fn agents_for(&mut self, script: &Script) -> (&'a AgentEntry, &'a AgentEntry) {
        let everyone = &self.assets.org.agent;
        let in_team = |team: &str| everyone.iter().filter(|a| a.team.as_deref() == Some(team)).collect::<Vec<_>>();
        let mut team = in_team(&script.team);
        if script.lead && team.iter().any(|a| a.role == AgentRole::Admin) {
            team.retain(|a| a.role == AgentRole::Admin);
        }
        // Validation guarantees the team has someone; the fallback keeps this total.
        let agent = team.choose(&mut self.rng).copied().unwrap_or(&everyone[0]);
        let mut colleagues: Vec<&AgentEntry> = match &script.team2 {
            Some(t) => in_team(t),
            None => everyone.iter().collect(),
        };
        colleagues.retain(|a| a.email != agent.email);
        if colleagues.is_empty() {
            colleagues = everyone.iter().filter(|a| a.email != agent.email).collect();
        }
        let agent2 = colleagues.choose(&mut self.rng).copied().unwrap_or(agent);
        (agent, agent2)
    }

    fn vars(
        &mut self,
        script: &Script,
        contact: &PoolContact,
        agent: &AgentEntry,
        agent2: &AgentEntry,
        ai: &str,
    ) -> Vars {
        let org = &self.assets.org;
        let rng = &mut self.rng;
        let product = org.product.choose(rng).unwrap_or(&org.product[0]);
        let plan = org.plan.choose(rng).unwrap_or(&org.plan[0]);
        let mut v = Vars::probe();
        v.set("first", contact.first.clone());
        v.set("name", contact.name.clone());
        v.set("email", contact.email.clone().unwrap_or_default());
        v.set("phone", contact.phone.clone().unwrap_or_default());
        v.set("company", contact.company.clone().unwrap_or_default());
        v.set("agent", first_word(&agent.name));
        v.set("agent_name", agent.name.clone());
        v.set("agent2", first_word(&agent2.name));
        v.set("agent2_name", agent2.name.clone());
        v.set("mention", format!("@{}", agent2.email.split('@').next().unwrap_or(&agent2.email)));
        v.set("ai", ai.to_owned());
        v.set("team", script.team.clone());
        v.set("org", org.name.clone());
        v.set("order", order_number(rng));
        v.set(
            "tracking",
            format!("1Z{:03}E7{:010}", rng.random_range(100..999), rng.random_range(0..9_999_999_999_u64)),
        );
        v.set("ticket", rng.random_range(10_000..99_999).to_string());
        v.set("rma", format!("RMA-{}", rng.random_range(20_000..69_999)));
        v.set("last4", format!("{:04}", rng.random_range(0..10_000)));
        v.set("product", product.name.clone());
        v.set("price", product.price.clone());
        v.set("plan", plan.name.clone());
        v.set("plan_price", plan.price.clone());
        v
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct for it would only rename the list
    fn drafts(
        &mut self,
        script: &Script,
        end: usize,
        channel: &Channel,
        vars: &Vars,
        agent: &AgentEntry,
        agent2: &AgentEntry,
        ai: &str,
    ) -> Result<Vec<Draft>, DemoError> {
        let err = |e: String| invalid(script.file, format!("script {}: {e}", script.id));
        let mut drafts = Vec::with_capacity(end + 2);
        let mut previous: Option<&ScriptMessage> = None;
        for m in &script.message[..end] {
            let variant = self.rng.random_range(0..=m.variants.len());
            let body = if variant == 0 { &m.body } else { &m.variants[variant - 1] };
            let author = match m.from {
                Speaker::Contact => DemoAuthor::Contact,
                Speaker::Agent => DemoAuthor::Agent(agent.email.clone()),
                Speaker::Agent2 => DemoAuthor::Agent(agent2.email.clone()),
                Speaker::Ai => DemoAuthor::Ai(ai.to_owned()),
                Speaker::System => DemoAuthor::System,
            };
            let attachments = m
                .attachments
                .iter()
                .map(|a| {
                    Ok(Attachment {
                        name: render(&a.name, vars)?,
                        content_type: a.content_type.clone(),
                        size: a.size,
                        url: None,
                    })
                })
                .collect::<Result<Vec<_>, String>>()
                .map_err(err)?;
            let call = match &m.call {
                Some(c) => Some(CallInfo {
                    duration_secs: c.duration_secs,
                    summary: Some(render(&c.summary, vars).map_err(err)?),
                    recording_url: c.recording.then(|| {
                        format!(
                            "https://voice.demo.frontdesk.test/recordings/rec_{:012x}.mp3",
                            self.rng.random::<u64>() >> 16
                        )
                    }),
                }),
                None => None,
            };
            let gap = previous.map_or(0, |p| self.gap(p, m, channel));
            drafts.push(Draft {
                author,
                kind: m.kind(),
                body: render(body, vars).map_err(err)?,
                attachments,
                call,
                gap,
            });
            previous = Some(m);
        }
        Ok(drafts)
    }

    /// Adds "Assigned to …" just before the first agent message, unless the script
    /// tells its own assignment story ("Assigned to …", "… joined the conversation").
    fn note_assignment(&mut self, drafts: &mut Vec<Draft>, script: &Script, assignee: &AgentEntry) {
        let told = |m: &ScriptMessage| m.body.starts_with("Assigned to") || m.body.contains("joined the conversation");
        if script.message.iter().any(|m| m.from == Speaker::System && told(m)) {
            return;
        }
        let Some(pos) = drafts.iter().position(|d| matches!(d.author, DemoAuthor::Agent(_))) else {
            return;
        };
        if pos == 0 {
            return;
        }
        let before = drafts[pos].gap;
        let lead = self.rng.random_range(30..=300).min(before - 1);
        if lead < 1 {
            return;
        }
        drafts[pos].gap = lead;
        drafts.insert(
            pos,
            Draft {
                author: DemoAuthor::System,
                kind: MessageKind::Event,
                body: format!("Assigned to {}", assignee.name),
                attachments: Vec::new(),
                call: None,
                gap: before - lead,
            },
        );
    }

    fn priority(&mut self, base: &Priority, slot: &Slot, end_age: i64) -> Priority {
        let index = Priority::ALL.iter().position(|p| p == base).unwrap_or(1);
        let roll = self.rng.random_range(0..100);
        let mut index = match roll {
            0..=14 => index.saturating_sub(1),
            15..=29 => (index + 1).min(Priority::ALL.len() - 1),
            _ => index,
        };
        // A customer waiting most of a day gets bumped up by whoever triages.
        if slot.shape == Shape::Overdue && end_age > 20 * 3_600 {
            index = index.max(2);
        }
        Priority::ALL[index].clone()
    }
}
