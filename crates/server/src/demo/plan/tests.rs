//! The rules the seeded inbox and the simulator must honour, checked over a few
//! seeds with a fixed `now`.

use std::collections::HashSet;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use frontdesk_domain::{AiState, Channel, MessageKind, Priority, Status};

use super::assets::{Assets, INBOUND, InboundFile, parse};
use super::render::VAR_NAMES;
use super::*;

const SEEDS: [u64; 3] = [1, 42, 20_260_101];

fn now() -> Timestamp {
    // A Wednesday afternoon, with sub-second noise like a real clock.
    Timestamp::from_nanosecond(1_767_799_813_123_456_789).expect("valid instant")
}

fn demo(seed: u64) -> DemoPlan {
    plan(now(), seed).expect("the demo data loads and plans")
}

fn age(at: Timestamp) -> SignedDuration {
    now().duration_since(at)
}

fn last(c: &DemoConversation) -> &DemoMessage {
    c.messages.last().expect("every conversation has messages")
}

fn is_answer(m: &DemoMessage) -> bool {
    matches!(m.author, DemoAuthor::Agent(_) | DemoAuthor::Ai(_))
        && matches!(m.kind, MessageKind::Reply | MessageKind::Call)
}

fn overdue(c: &DemoConversation) -> bool {
    let hours = age(last(c).at).as_secs_f64() / 3_600.0;
    c.status == Status::Open
        && last(c).author == DemoAuthor::Contact
        && !c.messages.iter().any(is_answer)
        && (2.0..=30.0).contains(&hours)
}

fn fresh(c: &DemoConversation) -> bool {
    c.status == Status::Open && last(c).author == DemoAuthor::Contact && age(last(c).at) < SignedDuration::from_mins(30)
}

#[test]
fn the_files_parse_and_validate() {
    let assets = Assets::load().expect("assets load");
    assert!(assets.scripts.len() >= 45, "{} scripts", assets.scripts.len());
    assert!(assets.contacts.len() >= 80, "{} contacts", assets.contacts.len());
    assert!((5..=8).contains(&assets.org.agent.len()));
    let long = assets.scripts.iter().filter(|s| s.long && s.message.len() >= 25).count();
    assert!(long >= 3, "{long} long scripts");
}

#[test]
fn a_plan_has_enough_conversations_on_every_channel_and_status() {
    for seed in SEEDS {
        let plan = demo(seed);
        assert!(plan.conversations.len() >= 160);
        for channel in Channel::ALL {
            assert!(plan.conversations.iter().any(|c| c.channel == channel), "seed {seed}: no {channel:?}");
        }
        for status in Status::ALL {
            assert!(plan.conversations.iter().any(|c| c.status == status), "seed {seed}: no {status:?}");
        }
        assert!(plan.agents.len() >= 5);
        assert_eq!(plan.org_name, "Kestrel Home");
    }
}

#[test]
fn every_script_is_used() {
    let plan = demo(42);
    let used: HashSet<&str> = plan.conversations.iter().map(|c| c.script.as_str()).collect();
    let assets = Assets::load().expect("assets load");
    let unused: Vec<&str> = assets.scripts.iter().map(|s| s.id.as_str()).filter(|id| !used.contains(id)).collect();
    assert!(unused.is_empty(), "never used: {unused:?}");
}

#[test]
fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
    assert_eq!(demo(7), demo(7));
    assert_ne!(demo(7), demo(8));
}

#[test]
fn the_plan_does_not_depend_on_now_except_for_times() {
    let shape = |p: &DemoPlan| {
        p.conversations
            .iter()
            .map(|c| {
                (c.contact.handle.clone(), c.channel.clone(), c.status.clone(), c.script.clone(), c.messages.len())
            })
            .collect::<Vec<_>>()
    };
    let later = now().checked_add(SignedDuration::from_hours(77)).expect("in range");
    assert_eq!(shape(&demo(3)), shape(&plan(later, 3).expect("plans")));
}

#[test]
fn messages_are_in_the_past_in_order_and_spread_over_two_weeks() {
    for seed in SEEDS {
        let plan = demo(seed);
        let two_days = SignedDuration::from_hours(48);
        for c in &plan.conversations {
            assert!(c.messages.windows(2).all(|w| w[0].at < w[1].at), "{}: not sorted", c.script);
            assert!(c.messages.iter().all(|m| m.at < now()), "{}: message in the future", c.script);
            assert!(age(c.messages[0].at) <= SignedDuration::from_hours(15 * 24), "{}: too old", c.script);
        }
        let recent = plan.conversations.iter().filter(|c| age(last(c).at) < two_days).count();
        assert!(recent * 2 > plan.conversations.len(), "seed {seed}: only {recent} active in 48h");
        let old =
            plan.conversations.iter().filter(|c| age(c.messages[0].at) > SignedDuration::from_hours(7 * 24)).count();
        assert!(old >= 10, "seed {seed}: only {old} started over a week ago");
        let sorted = plan.conversations.windows(2).all(|w| last(&w[0]).at <= last(&w[1]).at);
        assert!(sorted, "conversations come oldest activity first");
    }
}

#[test]
fn snoozed_conversations_wake_in_the_future_some_within_minutes() {
    for seed in SEEDS {
        let plan = demo(seed);
        let mut soon = 0;
        for c in &plan.conversations {
            match (c.status.clone(), c.snoozed_until) {
                (Status::Snoozed, Some(until)) => {
                    assert!(until > now(), "{}: snoozed into the past", c.script);
                    let wait = until.duration_since(now());
                    if wait >= SignedDuration::from_mins(2) && wait <= SignedDuration::from_mins(10) {
                        soon += 1;
                    }
                    assert!(last(c).body.starts_with("Snoozed until"), "{}", last(c).body);
                }
                (Status::Snoozed, None) => panic!("{}: snoozed without an end", c.script),
                (_, Some(_)) => panic!("{}: snoozed_until on a {:?} conversation", c.script, c.status),
                (_, None) => {}
            }
        }
        assert!(soon >= 3, "seed {seed}: {soon} wake within 2-10 min");
    }
}

#[test]
fn closed_conversations_end_with_an_agent_answer() {
    for c in demo(42).conversations.iter().filter(|c| c.status == Status::Closed) {
        let m = last(c);
        assert!(
            matches!(m.author, DemoAuthor::Agent(_)) && matches!(m.kind, MessageKind::Reply | MessageKind::Call),
            "{}: ends with {:?} {:?}",
            c.script,
            m.author,
            m.kind
        );
    }
}

#[test]
fn there_are_overdue_and_fresh_unanswered_conversations() {
    for seed in SEEDS {
        let plan = demo(seed);
        let overdue = plan.conversations.iter().filter(|c| overdue(c)).count();
        let fresh = plan.conversations.iter().filter(|c| fresh(c)).count();
        assert!(overdue >= 15, "seed {seed}: {overdue} overdue");
        assert!(fresh >= 15, "seed {seed}: {fresh} fresh");
    }
}

#[test]
fn ai_led_conversations_have_ai_replies_and_handoffs_say_so() {
    for seed in SEEDS {
        let plan = demo(seed);
        let ai: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.ai_state != AiState::Human).collect();
        assert!(ai.len() >= 10, "seed {seed}: {} AI-led", ai.len());
        for c in &ai {
            let name = c.ai_agent.as_deref().expect("an AI-led conversation names its AI");
            assert!(plan.ai_agents.iter().any(|a| a == name));
            assert!(c.messages.iter().any(|m| m.author == DemoAuthor::Ai(name.to_owned())), "{}: no AI line", c.script);
            assert_eq!(c.status, Status::Open);
        }
        let handoffs: Vec<&&DemoConversation> = ai.iter().filter(|c| c.ai_state == AiState::HandoffRequested).collect();
        assert!(handoffs.len() >= 6, "seed {seed}: {} handoffs", handoffs.len());
        for c in handoffs {
            let said = c.messages.iter().rev().find(|m| matches!(m.author, DemoAuthor::Ai(_))).expect("an AI line");
            let text = said.body.to_lowercase();
            assert!(
                ["colleague", "human", "teammate", "person"].iter().any(|w| text.contains(w)),
                "{}: the AI's last line does not bring in a human: {}",
                c.script,
                said.body
            );
        }
    }
}

#[test]
fn suggestions_are_wanted_only_where_the_customer_waits() {
    for seed in SEEDS {
        let plan = demo(seed);
        let wanted: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.wants_suggestion).collect();
        assert!(wanted.len() >= 12, "seed {seed}: {}", wanted.len());
        for c in wanted {
            assert_eq!(c.status, Status::Open);
            assert_eq!(last(c).author, DemoAuthor::Contact, "{}", c.script);
        }
    }
}

#[test]
fn voice_conversations_are_mostly_calls_with_summaries() {
    let plan = demo(42);
    let voice: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.channel == Channel::Voice).collect();
    let (mut calls, mut spoken) = (0, 0);
    for c in &voice {
        assert!(
            c.messages
                .iter()
                .any(|m| m.kind == MessageKind::Call && m.call.as_ref().is_some_and(|i| i.summary.is_some())),
            "{}: no summarised call",
            c.script
        );
        calls += c.messages.iter().filter(|m| m.kind == MessageKind::Call).count();
        spoken += c.messages.iter().filter(|m| matches!(m.kind, MessageKind::Call | MessageKind::Reply)).count();
    }
    assert!(calls * 2 >= spoken, "{calls} calls of {spoken} messages");
    for c in &plan.conversations {
        for m in &c.messages {
            assert_eq!(m.kind == MessageKind::Call, m.call.is_some(), "{}", c.script);
        }
    }
}

#[test]
fn email_conversations_have_subjects_and_chats_have_none() {
    for c in &demo(42).conversations {
        match &c.channel {
            Channel::Email | Channel::Api => {
                assert!(c.subject.as_deref().is_some_and(|s| !s.trim().is_empty()), "{}", c.script);
            }
            Channel::Sms | Channel::Whatsapp | Channel::Voice => {
                assert_eq!(c.subject, None, "{}", c.script);
            }
            Channel::Web | Channel::Other(_) => {}
        }
    }
}

#[test]
fn about_a_tenth_is_archived_and_only_closed_ones() {
    let plan = demo(42);
    let archived: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.archived).collect();
    let share = archived.len() * 100 / plan.conversations.len();
    assert!((8..=12).contains(&share), "{share}% archived");
    assert!(archived.iter().all(|c| c.status == Status::Closed));
}

#[test]
fn every_agent_email_belongs_to_an_agent() {
    for seed in SEEDS {
        let plan = demo(seed);
        let emails: HashSet<&str> = plan.agents.iter().map(|a| a.email.as_str()).collect();
        for c in &plan.conversations {
            if let Some(a) = &c.assignee_email {
                assert!(emails.contains(a.as_str()), "{a}");
            }
            for m in &c.messages {
                if let DemoAuthor::Agent(a) = &m.author {
                    assert!(emails.contains(a.as_str()), "{a}");
                }
                if let DemoAuthor::Ai(a) = &m.author {
                    assert!(plan.ai_agents.contains(a), "{a}");
                }
            }
            let team_ok = c.team.as_ref().is_none_or(|t| plan.agents.iter().any(|a| a.team.as_ref() == Some(t)));
            assert!(team_ok, "{:?}", c.team);
        }
    }
}

#[test]
fn one_live_conversation_per_address_and_channel() {
    let plan = demo(42);
    let mut seen = HashSet::new();
    for c in plan.conversations.iter().filter(|c| c.status != Status::Closed) {
        assert!(
            seen.insert((c.channel.clone(), c.contact.handle.clone())),
            "{:?} {} twice",
            c.channel,
            c.contact.handle
        );
    }
}

#[test]
fn the_inbox_reads_like_a_real_one() {
    let plan = demo(42);
    let all: Vec<&DemoMessage> = plan.conversations.iter().flat_map(|c| &c.messages).collect();
    let long = plan.conversations.iter().filter(|c| c.messages.len() >= 25).count();
    assert!(long >= 3, "{long} long threads");
    let notes = all.iter().filter(|m| m.kind == MessageKind::Note).count();
    assert!(notes >= 20, "{notes} notes");
    assert!(all.iter().any(|m| m.kind == MessageKind::Note && m.body.contains('@')), "a note mentions someone");
    for event in ["Assigned to ", "Snoozed until ", "Conversation reopened"] {
        assert!(all.iter().any(|m| m.kind == MessageKind::Event && m.body.starts_with(event)), "no {event:?}");
    }
    assert!(all.iter().all(|m| (m.kind == MessageKind::Event) == (m.author == DemoAuthor::System)));
    assert!(all.iter().any(|m| m.body.chars().any(|c| ('\u{1F300}'..='\u{1FAFF}').contains(&c))), "emoji");
    assert!(all.iter().any(|m| m.body.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))), "CJK");
    assert!(all.iter().any(|m| m.body.contains("\n> ") && m.body.matches("\n\n").count() >= 3), "a quoted email chain");
    assert!(all.iter().any(|m| !m.attachments.is_empty()), "attachments");
    for m in &all {
        let unfilled = VAR_NAMES.iter().any(|v| m.body.contains(&format!("{{{v}}}")));
        assert!(!unfilled, "an unfilled placeholder in {:?}", m.body);
    }
    let untagged: Vec<&str> =
        plan.conversations.iter().filter(|c| c.tags.is_empty()).map(|c| c.script.as_str()).collect();
    assert!(untagged.is_empty(), "no tags: {untagged:?}");
    let priorities: HashSet<Priority> = plan.conversations.iter().map(|c| c.priority.clone()).collect();
    assert_eq!(priorities.len(), 4, "every priority appears");
    assert!(plan.conversations.iter().any(|c| c.starred) && plan.conversations.iter().any(|c| c.unread));
    let assignees: HashSet<&String> = plan.conversations.iter().filter_map(|c| c.assignee_email.as_ref()).collect();
    assert!(assignees.len() >= 5, "work is spread over the team");
    assert!(plan.conversations.iter().any(|c| c.assignee_email.is_none() && c.status == Status::Open));
}

#[test]
fn contacts_are_fictional_unique_and_diverse() {
    let assets = Assets::load().expect("assets load");
    let fictional_phone = |p: &str| {
        let north_america = p.len() == 12 && p.starts_with("+1") && p[5..10] == *"55501";
        let uk = p.len() == 13 && p.starts_with("+447700900");
        (north_america || uk) && p[1..].chars().all(|c| c.is_ascii_digit())
    };
    let fictional_email = |e: &str| e.ends_with("@example.com") || e.ends_with("@example.org");
    for c in &assets.contacts {
        assert!(c.phone.as_deref().is_none_or(fictional_phone), "{:?}", c.phone);
        assert!(c.email.as_deref().is_none_or(fictional_email), "{:?}", c.email);
    }
    // Arabic, CJK, Hangul …: everything past the Latin, Greek and Cyrillic blocks.
    let non_latin = assets.contacts.iter().filter(|c| c.name.chars().any(|ch| ch >= '\u{0590}')).count();
    assert!(non_latin >= 4, "{non_latin} names in non-Latin scripts");
    assert!(assets.contacts.iter().any(|c| c.name.contains('é') || c.name.contains('ö') || c.name.contains('á')));
    assert!(assets.contacts.iter().filter(|c| c.company.is_some()).count() >= 10);
    let inbound: InboundFile = parse(&INBOUND).expect("inbound parses");
    for w in &inbound.walkin {
        assert!(w.phone.as_deref().is_none_or(fictional_phone), "{:?}", w.phone);
        assert!(w.email.as_deref().is_none_or(fictional_email), "{:?}", w.email);
        let clash = assets.contacts.iter().any(|c| {
            c.name == w.name || (c.email.is_some() && c.email == w.email) || (c.phone.is_some() && c.phone == w.phone)
        });
        assert!(!clash, "walk-in {} is already a contact", w.name);
    }
    let plan = demo(42);
    let agents_fictional = plan.agents.iter().all(|a| a.email.ends_with("@demo.frontdesk.test"));
    assert!(agents_fictional);
}

#[test]
fn the_simulator_is_deterministic_and_varied() {
    let run = |seed| {
        let mut sim = Simulator::new(seed).expect("simulator builds");
        (0..60).map(|_| sim.next()).collect::<Vec<_>>()
    };
    let lines = run(5);
    assert_eq!(lines, run(5));
    assert_ne!(lines, run(6));
    let bodies: HashSet<&str> = lines.iter().map(|l| l.body.as_str()).collect();
    assert!(bodies.len() >= 30, "{} distinct lines of 60", bodies.len());
    assert!(lines.windows(2).all(|w| w[0].body != w[1].body), "a line repeats at once");
    let inbound: InboundFile = parse(&INBOUND).expect("inbound parses");
    assert!(inbound.followup.len() + inbound.opener.len() >= 60);
    assert!(inbound.followup.iter().chain(inbound.opener.iter().map(|_| &inbound.followup[0])).any(|f| f.lang != "en"));
}

#[test]
fn the_simulator_threads_most_lines_into_live_conversations() {
    let seed = 11;
    let plan = demo(seed);
    let live: HashSet<(Channel, &str)> = plan
        .conversations
        .iter()
        .filter(|c| c.status != Status::Closed && !c.archived)
        .map(|c| (c.channel.clone(), c.contact.handle.as_str()))
        .collect();
    let known: HashSet<&str> = plan.conversations.iter().map(|c| c.contact.handle.as_str()).collect();
    let mut sim = Simulator::new(seed).expect("simulator builds");
    let lines: Vec<SimulatedInbound> = (0..500).map(|_| sim.next()).collect();
    let existing = lines.iter().filter(|l| l.existing).count();
    assert!((250..=350).contains(&existing), "{existing} of 500 follow up");
    for line in &lines {
        if line.existing {
            assert!(live.contains(&(line.channel.clone(), line.contact.handle.as_str())), "{:?}", line.contact);
        } else {
            assert!(!known.contains(line.contact.handle.as_str()), "{} is not new", line.contact.handle);
        }
        if matches!(line.channel, Channel::Email | Channel::Api) {
            assert!(line.subject.is_some(), "{:?}", line.body);
        }
        assert!(!line.body.contains('{'), "{}", line.body);
    }
    let channels: HashSet<Channel> = lines.iter().filter(|l| !l.existing).map(|l| l.channel.clone()).collect();
    assert!(channels.len() >= 4, "{channels:?}");
    let delay = sim.next_delay();
    assert!(delay >= Duration::from_secs(2) && delay <= Duration::from_secs(7));
}

#[test]
#[ignore = "prints the inbox for a human to read: cargo test -- --ignored --nocapture"]
fn print_the_inbox() {
    for c in &demo(42).conversations {
        let m = last(c);
        println!(
            "{:<8} {:<8} {:<17} {:>3} msgs  {:>7}m ago  {:<28} {:<26} {:?}/{:?} {:?}",
            c.channel.as_str(),
            c.status.as_str(),
            c.ai_state.as_str(),
            c.messages.len(),
            age(m.at).as_secs() / 60,
            c.script,
            c.contact.name,
            c.assignee_email.as_deref().map(|e| e.split('@').next()),
            c.priority.as_str(),
            text::preview_of(&m.body),
        );
    }
}

mod text {
    pub fn preview_of(body: &str) -> String {
        body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(60).collect()
    }
}
