//! Tests of the knowledge base: the shipped file's rules, retrieval quality on
//! realistic questions, placeholder filling on every answer and channel.

use super::*;
use crate::copilot::ContextMessage;
use frontdesk_domain::{AuthorKind, Channel, MessageKind};

fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().expect("the embedded knowledge base must be valid")
}

fn msg(author: AuthorKind, body: &str) -> ContextMessage {
    ContextMessage { author, kind: MessageKind::Reply, body: body.to_owned() }
}

fn ctx(channel: Channel, messages: Vec<ContextMessage>) -> SuggestContext {
    SuggestContext {
        contact_name: "Maria Lopez".into(),
        agent_name: "Ana Silva".into(),
        channel,
        subject: None,
        messages,
    }
}

fn ask(channel: Channel, question: &str) -> SuggestContext {
    ctx(channel, vec![msg(AuthorKind::Contact, question)])
}

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
    assert!(!ids.contains(kb.fallback().id.as_str()), "the fallback's id must not be an answer's");
}

#[test]
fn every_placeholder_used_is_one_the_engine_fills() {
    let kb = kb();
    for a in kb.answers().iter().chain([kb.fallback()]) {
        for (field, text) in a.texts() {
            for p in fill::placeholders_in(text) {
                assert!(PLACEHOLDERS.contains(&p), "{}.{field} uses unknown {{{p}}}", a.id);
            }
            // Braces that are not placeholders (say `{Name}`) would slip past the
            // engine and reach the customer.
            let stray = text.replace("{first_name}", "").replace("{agent_name}", "").replace("{order_id}", "");
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

const FALLBACK: &str = r#"
[fallback]
id = "fallback"
title = "Generic"
body = "Hi {first_name}, looking into it."
actions = [{ action = "snooze:4h", label = "Snooze 4 hours" }]
"#;

fn kb_with(answer: &str) -> Result<KnowledgeBase, CopilotError> {
    KnowledgeBase::from_toml(&format!("{FALLBACK}\n[[answer]]\n{answer}"))
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
    ];
    for (answer, want) in cases {
        let err = kb_error(&answer);
        assert!(err.contains(want), "{err:?} should mention {want:?}");
    }
}

#[test]
fn duplicate_ids_and_syntax_errors_are_refused() {
    let twice = format!("{FALLBACK}\n[[answer]]\n{GOOD}\n[[answer]]\n{GOOD}");
    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml(&twice) else { panic!("duplicate accepted") };
    assert!(m.contains("\"refund\" is used twice"), "{m}");

    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml("[fallback\nid = 1") else {
        panic!("bad TOML accepted")
    };
    assert!(m.contains("line 1"), "a syntax error names its line: {m}");

    let Err(CopilotError::KnowledgeBase(m)) = KnowledgeBase::from_toml(FALLBACK) else { panic!("empty KB accepted") };
    assert!(m.contains("no [[answer]]"), "{m}");
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

#[test]
fn gibberish_gets_the_generic_acknowledgement() {
    let kb = kb();
    for noise in ["asdkjh qwpoeiru zxmnv", "hello?", "my cat is very cute", "I like your website design", ""] {
        let draft = kb.draft(&ask(Channel::Web, noise));
        assert!(draft.sources.is_empty(), "{noise:?} matched {:?}", draft.sources);
        assert_eq!(draft.body, kb.fallback().text(&Fill::from_context(&ask(Channel::Web, noise)), Channel::Web));
        assert!(
            draft.body.starts_with("Hi Maria, thanks for getting in touch. I'm looking into this now"),
            "{}",
            draft.body
        );
        assert!(draft.actions.iter().any(|a| a.action.starts_with("snooze:")), "{:?}", draft.actions);
        assert!(draft.actions.iter().any(|a| a.action.starts_with("assign_team:")), "{:?}", draft.actions);
    }
}

#[test]
fn an_empty_thread_gets_the_fallback() {
    let draft = kb().draft(&ctx(Channel::Sms, vec![]));
    assert!(draft.sources.is_empty());
    assert!(leftover_placeholder(&draft.body).is_none());
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
    ("Thanks so much, that's all!", "thank-you-closing"),
];

#[test]
fn realistic_questions_find_their_answer() {
    let kb = kb();
    let mut wrong = Vec::new();
    for (question, want) in QUESTIONS {
        let draft = kb.draft(&ask(Channel::Web, question));
        if draft.sources.first().map(String::as_str) != Some(*want) {
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
}

#[test]
fn scores_separate_questions_from_noise() {
    let kb = kb();
    let top = |q: &str| kb.search(&[(q, 1.0)]).first().map_or(0.0, |h| h.score);
    for (question, _) in QUESTIONS {
        assert!(top(question) >= MIN_SCORE + 1.0, "{question:?} scores only {}", top(question));
    }
    for noise in ["what's the weather like in paris", "I like your website design", "I have a question", "ok", "hello?"]
    {
        assert!(top(noise) < MIN_SCORE, "{noise:?} scores {}", top(noise));
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
    let parts = query_parts(&c);
    assert_eq!(parts, [("hello?", WEIGHT_LAST_INBOUND)]);
}

#[test]
fn the_subject_counts() {
    let mut c = ask(Channel::Email, "Any news?");
    c.subject = Some("Refund still not received".into());
    assert_eq!(kb().draft(&c).sources, ["refund-status"]);
}

#[test]
fn retrieve_returns_relevant_answers_best_first() {
    let kb = kb();
    let hits = kb.retrieve(&ask(Channel::Web, "I want to cancel my subscription, and can I get a refund?"), 3);
    assert!(!hits.is_empty() && hits.len() <= 3, "{hits:?}");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits.iter().all(|h| h.score >= MIN_SCORE));
    let ids: Vec<&str> = hits.iter().map(|h| h.answer.id.as_str()).collect();
    assert!(ids.contains(&"subscription-cancel"), "{ids:?}");
}

// --- Rendering --------------------------------------------------------------------

fn fills() -> [Fill; 4] {
    [
        Fill {
            first_name: "Maximiliana".into(),
            agent_name: "Bartholomew".into(),
            order_id: Some("ORD-123456789012".into()),
        },
        Fill { first_name: "Maximiliana".into(), agent_name: "Bartholomew".into(), order_id: None },
        Fill {
            first_name: fill::UNKNOWN_FIRST_NAME.into(),
            agent_name: fill::UNKNOWN_AGENT_NAME.into(),
            order_id: None,
        },
        Fill { first_name: "Jo".into(), agent_name: "Al".into(), order_id: Some("#48213".into()) },
    ]
}

#[test]
fn no_placeholder_ever_reaches_the_output() {
    let kb = kb();
    for a in kb.answers().iter().chain([kb.fallback()]) {
        for fill in fills() {
            for channel in Channel::ALL {
                let text = a.text(&fill, channel);
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
    let fill = Fill { first_name: "Maria".into(), agent_name: "Ana".into(), order_id: Some("#48213".into()) };
    let about_orders: Vec<&Answer> = kb.answers().iter().filter(|a| fill::uses(&a.body, "order_id")).collect();
    assert!(about_orders.len() >= 10, "only {} answers use {{order_id}}", about_orders.len());
    for a in about_orders {
        for channel in Channel::ALL {
            let text = a.text(&fill, channel);
            assert!(
                text.to_lowercase().contains("order #48213"),
                "{} on {channel:?} drops the order id:\n{text}",
                a.id
            );
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
    };
    let fill = Fill { first_name: "Maria".into(), agent_name: "Ana".into(), order_id: None };
    assert_eq!(a.text(&fill, Channel::Web), "Hi Maria, I checked your order. Ref your order.");
}

#[test]
fn sms_and_whatsapp_answers_are_short() {
    let kb = kb();
    for a in kb.answers().iter().chain([kb.fallback()]) {
        for fill in fills() {
            for channel in [Channel::Sms, Channel::Whatsapp] {
                let text = a.text(&fill, channel);
                // Two SMS segments; a longer text is split into three or more parts.
                assert!(
                    text.chars().count() <= 320,
                    "{} is {} chars on {channel:?}:\n{text}",
                    a.id,
                    text.chars().count()
                );
                assert!(!text.contains("\n\n"), "{} is more than one paragraph on {channel:?}", a.id);
                assert!(text.chars().count() <= a.text(&fill, Channel::Web).chars().count());
            }
        }
    }
}

#[test]
fn email_signs_off_with_the_agents_first_name_and_chat_does_not() {
    let kb = kb();
    let email = kb.draft(&ask(Channel::Email, "I forgot my password"));
    assert!(email.body.ends_with("Best regards,\nAna"), "{}", email.body);
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
    let fill = Fill { first_name: "Maria".into(), agent_name: "Ana".into(), order_id: None };
    let a = &kb.answers()[0];
    assert_eq!(a.text(&fill, Channel::Sms), "Hi Maria, first paragraph.");
    assert_eq!(a.text(&fill, Channel::Web), "Hi Maria, first paragraph.\n\nSecond paragraph.");
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
