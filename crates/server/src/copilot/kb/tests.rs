//! Tests of the knowledge base: the shipped file's rules, retrieval quality on
//! realistic questions, placeholder filling on every answer and channel.

use super::*;
use crate::copilot::draft::THRESHOLD;
use crate::copilot::test_support::{ask, ctx, kb, msg};
use crate::copilot::{ContextMessage, Reading};
use frontdesk_domain::{AuthorKind, Channel, MessageKind};

/// Any `{name}` left in a text.
fn leftover_placeholder(text: &str) -> Option<String> {
    let re = Regex::new(r"\{[A-Za-z_]+\}").expect("pattern");
    re.find(text).map(|m| m.as_str().to_owned())
}

// --- The shipped file -------------------------------------------------------------

#[test]
fn embedded_kb_parses_with_enough_unique_answers() {
    let kb = kb();
    assert!(kb.answers().len() >= 40, "only {} answers", kb.answers().len());
    let mut ids = HashSet::new();
    for a in kb.answers() {
        assert!(ids.insert(a.id.as_str()), "duplicate id {}", a.id);
        assert!(!a.keywords.trim().is_empty(), "{}: keywords help retrieval", a.id);
        assert!(!a.actions.is_empty(), "{}: no actions", a.id);
    }
}

#[test]
fn every_placeholder_used_is_one_the_engine_fills() {
    let kb = kb();
    for a in kb.answers() {
        for (field, text) in a.texts() {
            for p in fill::placeholders_in(text) {
                assert!(PLACEHOLDERS.contains(&p), "{}.{field} uses unknown {{{p}}}", a.id);
            }
            // Braces that are not placeholders (say `{Name}`) would slip past the
            // engine and reach the customer.
            let stray = PLACEHOLDERS.iter().fold(text.to_owned(), |t, p| t.replace(&format!("{{{p}}}"), ""));
            assert!(!stray.contains(['{', '}']), "{}.{field} has a stray brace", a.id);
        }
    }
}

#[test]
fn the_topics_the_issue_lists_are_covered() {
    let kb = kb();
    for id in [
        "order-status",
        "refund-request",
        "refund-status",
        "return-how-to",
        "exchange",
        "order-cancel",
        "damaged-item",
        "wrong-item",
        "shipping-times",
        "international-shipping",
        "address-change",
        "password-reset",
        "two-factor-lockout",
        "account-deletion",
        "billing-double-charge",
        "invoice-request",
        "plan-upgrade",
        "plan-downgrade",
        "subscription-cancel",
        "payment-failed",
        "promo-code",
        "gift-card",
        "warranty-claim",
        "product-restock",
        "store-hours",
        "delivery-missed",
        "tracking-link-broken",
        "sms-whatsapp-opt-out",
        "talk-to-human",
        "complaint-escalation",
        "data-export",
        "api-rate-limit",
        "outage-status",
        "bug-report",
        "feature-request",
        "thank-you-closing",
    ] {
        assert!(kb.get(id).is_some(), "no answer {id}");
    }
}

// --- Validation -------------------------------------------------------------------

const OTHER: &str = r#"
[[answer]]
id = "other"
title = "Other"
keywords = "other"
body = "Hi {first_name}, something else."
actions = [{ action = "close", label = "Close" }]
"#;

fn kb_with(answer: &str) -> Result<KnowledgeBase, CopilotError> {
    KnowledgeBase::from_toml(&format!("[[answer]]\n{answer}"))
}

fn kb_error(answer: &str) -> String {
    match kb_with(answer) {
        Err(CopilotError::KnowledgeBase(m)) => m,
        other => panic!("expected a knowledge-base error, got {other:?}"),
    }
}

const GOOD: &str = r#"
id = "refund"
title = "Refund"
keywords = "money back"
body = "Hi {first_name}, refunding order {order_id}."
body_no_order = "Hi {first_name}, which order?"
actions = [{ action = "tag:refund", label = "Tag refund" }]
"#;

#[test]
fn a_minimal_valid_kb_loads() {
    let kb = kb_with(GOOD).expect("valid");
    assert_eq!(kb.answers().len(), 1);
    let kb = KnowledgeBase::from_toml(&format!("{OTHER}\n[[answer]]\n{GOOD}")).expect("valid");
    assert_eq!(kb.answers().len(), 2);
}

#[test]
fn invalid_answers_are_refused_with_the_reason() {
    let cases = [
        (GOOD.replace("{first_name}, refunding", "{firstname}, refunding"), "{firstname}"),
        (GOOD.replace("body_no_order = \"Hi {first_name}, which order?\"\n", ""), "needs body_no_order"),
        (GOOD.replace("which order?", "which order {order_id}?"), "must not use {order_id}"),
        (GOOD.replace("Hi {first_name}, refunding", "Sorry {first_name}, refunding"), "after a greeting"),
        (GOOD.replace("tag:refund", "refund!"), "\"refund!\" is not one of"),
        (GOOD.replace("tag:refund", "snooze:0d"), "is not one of"),
        (GOOD.replace("id = \"refund\"", "id = \"Refund Status\""), "kebab-case"),
        (
            GOOD.replace("actions = [{ action = \"tag:refund\", label = \"Tag refund\" }]", "actions = []"),
            "at least one action",
        ),
        (GOOD.replace("title = \"Refund\"", "title = \"Refund\"\ncolour = \"red\""), "unknown field"),
        (GOOD.replace("refunding order {order_id}.", "refunding."), "body_no_order is set but"),
        (GOOD.replace("refunding order {order_id}.", "I've refunded order {order_id}."), "an action nobody has taken"),
        (GOOD.replace("title = \"Refund\"", "title = \"Refund\"\nlang = \"spanish\""), "not an ISO 639-1 code"),
        (GOOD.replace("title = \"Refund\"", "title = \"Refund\"\nlang = \"es\""), "needs `translates`"),
        (GOOD.replace("title = \"Refund\"", "title = \"Refund\"\nclosing = true"), "needs the close action"),
        (GOOD.replace("Hi {first_name}, refunding", "{family_name}さん refunding"), "other than before 様"),
    ];
    for (answer, want) in cases {
        let err = kb_error(&answer);
        assert!(err.contains(want), "{err:?} should mention {want:?}");
    }
}

#[test]
fn duplicate_ids_and_syntax_errors_are_refused() {
    let twice = format!("[[answer]]\n{GOOD}\n[[answer]]\n{GOOD}");
    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml(&twice) else { panic!("duplicate accepted") };
    assert!(m.contains("\"refund\" is used twice"), "{m}");

    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml("[[answer]\nid = 1") else {
        panic!("bad TOML accepted")
    };
    assert!(m.contains("line 1"), "a syntax error names its line: {m}");

    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml("") else { panic!("empty KB accepted") };
    assert!(m.contains("no English [[answer]]"), "{m}");

    let orphan = GOOD.replace("title = \"Refund\"", "title = \"Refund\"\nlang = \"es\"\ntranslates = \"nope\"");
    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml(&format!("{OTHER}\n[[answer]]\n{orphan}"))
    else {
        panic!("a translation of nothing accepted")
    };
    assert!(m.contains("translates \"nope\", which is not an English answer"), "{m}");
}

// --- Retrieval --------------------------------------------------------------------

#[test]
fn a_refund_question_retrieves_the_refund_answer() {
    let draft = kb().draft(&ask(Channel::Email, "Hi, the shoes don't fit and I'd like my money back please"));
    assert_eq!(draft.sources, ["refund-request"]);
    assert_eq!(draft.engine, "kb");
    assert!(draft.actions.iter().any(|a| a.action == "tag:refund"), "{:?}", draft.actions);
}

#[test]
fn where_is_my_order_fills_the_order_id_and_first_name() {
    let draft = kb().draft(&ask(Channel::Web, "where is my order #48213"));
    assert_eq!(draft.sources, ["order-status"]);
    assert!(draft.body.starts_with("Hi Maria,"), "{}", draft.body);
    assert!(draft.body.contains("order #48213"), "{}", draft.body);
    assert!(leftover_placeholder(&draft.body).is_none(), "{}", draft.body);
}

#[test]
fn without_an_order_id_the_answer_asks_for_it() {
    let draft = kb().draft(&ask(Channel::Web, "where is my order? it hasn't arrived"));
    assert_eq!(draft.sources, ["order-status"]);
    assert!(draft.body.contains("order number"), "{}", draft.body);
    assert!(!draft.body.contains('#') || draft.body.contains("starts with #"), "{}", draft.body);
}

/// The retrieval table: how customers actually write, and the answer each needs.
/// When you add an answer, add a line or two here.
const QUESTIONS: &[(&str, &str)] = &[
    ("Hi, where is my order #48213?", "order-status"),
    ("Where's my stuff", "order-status"),
    ("my order hasn't arrived yet", "order-status"),
    ("I want my money back for these shoes", "refund-request"),
    ("When will I get my refund? It's been two weeks", "refund-status"),
    ("How do I send something back?", "return-how-to"),
    ("I want to return this", "return-how-to"),
    ("The return label won't print and I don't have a printer", "return-label"),
    ("My package arrived smashed and the mug is broken", "damaged-item"),
    ("You sent me a blue sweater but I ordered a red one", "wrong-item"),
    ("one item is missing from the box", "missing-item"),
    ("The tracking link just says not found", "tracking-link-broken"),
    ("I wasn't home when the courier came", "delivery-missed"),
    ("Tracking says delivered but there's nothing here", "delivered-not-received"),
    ("It's a week late, the expected delivery date passed", "order-delayed"),
    ("How long does shipping take to Texas?", "shipping-times"),
    ("Do you deliver to Germany?", "international-shipping"),
    ("Do you ship to Canada?", "international-shipping"),
    ("I got a bill from DHL for import fees", "customs-duties"),
    ("I moved, can you send it to my new address?", "address-change"),
    ("Please cancel my order, I ordered by mistake", "order-cancel"),
    ("Can I add another item to my order?", "order-modify"),
    ("I never got a confirmation email, did my order go through?", "order-confirmation-missing"),
    ("When will the preorder ship?", "preorder-backorder"),
    ("This is too small, can I get a bigger size?", "exchange"),
    ("My headphones stopped working after 3 months", "warranty-claim"),
    ("When will the black jacket be back in stock?", "product-restock"),
    ("What size should I get? I'm usually a medium", "product-sizing"),
    ("What time do you open on Sunday?", "store-hours"),
    ("The price dropped the day after I bought it", "price-adjustment"),
    ("The discount code SAVE20 doesn't work", "promo-code"),
    ("How do I check my gift card balance?", "gift-card"),
    ("I was charged twice for the same order", "billing-double-charge"),
    ("My card keeps getting declined at checkout", "payment-failed"),
    ("Can I get an invoice with my company VAT number?", "invoice-request"),
    ("We need more seats, how do I upgrade to Pro?", "plan-upgrade"),
    ("We want to move to a cheaper plan", "plan-downgrade"),
    ("Cancel my subscription please, stop charging me", "subscription-cancel"),
    ("Can you extend our trial? We need another week", "trial-extension"),
    ("I forgot my password and can't log in", "password-reset"),
    ("I lost my phone and can't get the 2FA code", "two-factor-lockout"),
    ("I need to change the email on my account", "account-email-change"),
    ("Delete my account and all my data under GDPR", "account-deletion"),
    ("Can I download a copy of all my data?", "data-export"),
    ("How do I add a colleague to our workspace?", "add-team-member"),
    ("I got an email asking for my password, is it real?", "phishing-report"),
    ("STOP sending me texts", "sms-whatsapp-opt-out"),
    ("Please unsubscribe me from your newsletter", "email-unsubscribe"),
    ("Can I talk to a real person please", "talk-to-human"),
    ("This is unacceptable, I want to speak to a manager", "complaint-escalation"),
    ("We're getting 429 too many requests from the API", "api-rate-limit"),
    ("Our API key returns 401 unauthorized", "api-authentication"),
    ("Is the site down? Nothing is loading", "outage-status"),
    ("The app crashes when I click save", "bug-report"),
    ("It would be great if you added dark mode", "feature-request"),
];

#[test]
fn realistic_questions_find_their_answer() {
    let kb = kb();
    let mut wrong = Vec::new();
    let mut drafted = 0;
    for (question, want) in QUESTIONS {
        let draft = kb.draft(&ask(Channel::Web, question));
        drafted += usize::from(draft.withheld.is_none());
        assert!(draft.sources.iter().all(|s| s == want), "{question:?} drafted from {:?}", draft.sources);
        let top = kb.search(&[(question, 1.0)]);
        if top.first().map(|h| h.answer.id.as_str()) != Some(*want) {
            let top: Vec<String> = kb
                .search(&[(question, 1.0)])
                .iter()
                .take(3)
                .map(|h| format!("{} {:.1}", h.answer.id, h.score))
                .collect();
            wrong.push(format!("{question:?}: want {want}, got {top:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} wrong:\n{}", wrong.len(), QUESTIONS.len(), wrong.join("\n"));
    // Short questions whose runner-up is a near neighbour ("deliver to Germany" and
    // "delivered but not received") rank right but are not confident drafts.
    assert!(drafted * 100 >= QUESTIONS.len() * 90, "only {drafted} of {} drafted", QUESTIONS.len());
}

#[test]
fn scores_separate_questions_from_noise() {
    let kb = kb();
    let top = |q: &str| kb.search(&[(q, 1.0)]).first().map_or(0.0, |h| h.score);
    for (question, _) in QUESTIONS {
        assert!(bm25_confidence(top(question)) >= THRESHOLD, "{question:?} scores only {}", top(question));
    }
    for noise in ["what's the weather like in paris", "I like your website design", "I have a question", "ok", "hello?"]
    {
        assert!(bm25_confidence(top(noise)) < THRESHOLD, "{noise:?} scores {}", top(noise));
    }
}

#[test]
fn the_latest_customer_message_weighs_most() {
    use AuthorKind::{Agent, Contact};
    let kb = kb();
    // The refund was dealt with; the customer now says thanks.
    let c = ctx(
        Channel::Web,
        vec![
            msg(Contact, "I'd like a refund for my order, the shoes don't fit"),
            msg(Agent, "Done, your refund is on its way."),
            msg(Contact, "Great, thanks so much, that's all!"),
        ],
    );
    assert_eq!(kb.draft(&c).sources, ["thank-you-closing"]);

    // A follow-up is answered, not the opening question again.
    let c = ctx(
        Channel::Sms,
        vec![
            msg(Contact, "How can my husband see the cameras without my login?"),
            msg(Agent, "In the app go to Home, Members, Invite."),
            msg(Contact, "I forgot my password and can't log in to invite him"),
        ],
    );
    assert_eq!(kb.draft(&c).sources, ["password-reset"]);

    // A content-free nudge keeps the earlier question in play.
    let c = ctx(Channel::Web, vec![msg(Contact, "I was charged twice this month"), msg(Contact, "hello??")]);
    assert_eq!(kb.draft(&c).sources, ["billing-double-charge"]);

    // The customer moved on to a new topic after our reply.
    let c = ctx(
        Channel::Web,
        vec![
            msg(Contact, "where is my order #48213"),
            msg(Agent, "It's with the carrier, arriving Friday."),
            msg(Contact, "ok. also I forgot my password and can't log in"),
        ],
    );
    assert_eq!(kb.draft(&c).sources, ["password-reset"]);
}

#[test]
fn notes_and_our_replies_are_not_part_of_the_query() {
    let kb = kb();
    let mut c = ctx(Channel::Web, vec![msg(AuthorKind::Contact, "hello?")]);
    c.messages.insert(
        0,
        ContextMessage { author: AuthorKind::Agent, kind: MessageKind::Note, body: "refund refund refund".into() },
    );
    c.messages.insert(0, msg(AuthorKind::Agent, "Would you like a refund or an exchange?"));
    assert!(kb.draft(&c).sources.is_empty());
    assert_eq!(Reading::new(&c).query(), [("hello?", 1.0)]);
}

#[test]
fn the_subject_counts() {
    let mut c = ask(Channel::Email, "Any news?");
    c.subject = Some("Refund still not received".into());
    let kb = kb();
    assert_eq!(kb.ranked(&Reading::new(&c)).first().map(|h| h.answer.id.as_str()), Some("refund-status"));
}

#[test]
fn ranked_answers_come_best_first() {
    let kb = kb();
    let c = ask(Channel::Web, "I want to cancel my subscription, and can I get a refund?");
    let mut hits = kb.ranked(&Reading::new(&c));
    hits.retain(|h| h.confidence >= THRESHOLD);
    assert!(!hits.is_empty(), "{hits:?}");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score && w[0].confidence >= w[1].confidence));
    let ids: Vec<&str> = hits.iter().map(|h| h.answer.id.as_str()).collect();
    assert!(ids.contains(&"subscription-cancel"), "{ids:?}");
}

// --- Rendering --------------------------------------------------------------------

fn filled(name: &str, order: Option<&str>) -> Fill {
    Fill {
        first_name: name.into(),
        family_name: name.into(),
        full_name: name.into(),
        agent_name: Some("Bartholomew".into()),
        order_id: order.map(Into::into),
    }
}

fn fills() -> [Fill; 4] {
    [
        filled("Maximiliana", Some("ORD-123456789012")),
        filled("Maximiliana", None),
        Fill {
            first_name: fill::UNKNOWN_FIRST_NAME.into(),
            family_name: fill::UNKNOWN_FAMILY_NAME.into(),
            full_name: String::new(),
            agent_name: Some(fill::UNKNOWN_AGENT_NAME.into()),
            order_id: None,
        },
        filled("Jo", Some("#48213")),
    ]
}

#[test]
fn no_placeholder_ever_reaches_the_output() {
    let kb = kb();
    for a in kb.answers() {
        for fill in fills() {
            for channel in Channel::ALL {
                let text = a.text(&fill, &channel);
                assert!(leftover_placeholder(&text).is_none(), "{} on {channel:?} with {fill:?}:\n{text}", a.id);
                assert!(!text.trim().is_empty(), "{} on {channel:?} is empty", a.id);
                assert_eq!(text, text.trim(), "{} on {channel:?} has stray whitespace", a.id);
            }
        }
    }
}

#[test]
fn answers_about_an_order_name_it_when_known() {
    let kb = kb();
    let fill = filled("Maria", Some("#48213"));
    let about_orders: Vec<&Answer> = kb.answers().iter().filter(|a| fill::uses(&a.body, "order_id")).collect();
    assert!(about_orders.len() >= 10, "only {} answers use {{order_id}}", about_orders.len());
    for a in about_orders {
        for channel in Channel::ALL {
            let text = a.text(&fill, &channel);
            let named =
                if a.lang == "en" { text.to_lowercase().contains("order #48213") } else { text.contains("#48213") };
            assert!(named, "{} on {channel:?} drops the order id:\n{text}", a.id);
        }
    }
}

#[test]
fn the_safety_net_phrases_a_missing_order_as_your_order() {
    let a = Answer {
        id: "x".into(),
        title: "x".into(),
        keywords: String::new(),
        body: "Hi {first_name}, I checked order {order_id}. Ref {order_id}.".into(),
        short: None,
        body_no_order: None,
        short_no_order: None,
        actions: vec![],
        lang: "en".into(),
        translates: None,
        before_sending: None,
        closing: false,
    };
    let fill = filled("Maria", None);
    assert_eq!(a.text(&fill, &Channel::Web), "Hi Maria, I checked your order. Ref your order.");
}

#[test]
fn sms_and_whatsapp_answers_are_short() {
    let kb = kb();
    for a in kb.answers() {
        for fill in fills() {
            for channel in [Channel::Sms, Channel::Whatsapp] {
                let text = a.text(&fill, &channel);
                // Two SMS segments; a longer text is split into three or more parts.
                assert!(
                    text.chars().count() <= 320,
                    "{} is {} chars on {channel:?}:\n{text}",
                    a.id,
                    text.chars().count()
                );
                assert!(!text.contains("\n\n"), "{} is more than one paragraph on {channel:?}", a.id);
                assert!(text.chars().count() <= a.text(&fill, &Channel::Web).chars().count());
            }
        }
    }
}

#[test]
fn email_signs_off_for_the_sender_and_chat_does_not() {
    let kb = kb();
    let email = kb.draft(&ask(Channel::Email, "I forgot my password"));
    // The sender's name, not the asker's (Ana): filled in when sent.
    assert!(email.body.ends_with("Best regards,\n{agent_name}"), "{}", email.body);
    assert!(!email.body.contains("Ana"), "{}", email.body);
    let web = kb.draft(&ask(Channel::Web, "I forgot my password"));
    assert!(!web.body.contains("Best regards"), "{}", web.body);
    let sms = kb.draft(&ask(Channel::Sms, "I forgot my password"));
    assert_eq!(sms.sources, ["password-reset"]);
    assert!(sms.body.starts_with("Hi Maria, tap"), "the short variant: {}", sms.body);
    assert!(!sms.body.contains("Best regards"), "{}", sms.body);
}

#[test]
fn sms_without_a_short_variant_gets_the_first_paragraph() {
    let kb = kb_with(
        r#"
id = "long"
title = "Long"
body = """
Hi {first_name}, first paragraph.

Second paragraph."""
actions = [{ action = "close", label = "Close" }]
"#,
    )
    .expect("valid");
    let fill = filled("Maria", None);
    let a = &kb.answers()[0];
    assert_eq!(a.text(&fill, &Channel::Sms), "Hi Maria, first paragraph.");
    assert_eq!(a.text(&fill, &Channel::Web), "Hi Maria, first paragraph.\n\nSecond paragraph.");
}

#[test]
fn an_unknown_contact_is_greeted_as_there() {
    let mut c = ask(Channel::Sms, "I forgot my password");
    c.contact_name = "+44 7700 900123".into();
    let draft = kb().draft(&c);
    assert!(draft.body.starts_with("Hi there,"), "{}", draft.body);
}

#[test]
fn the_knowledge_base_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<KnowledgeBase>();
}
