//! Tests of the embedded engine's drafts: no draft when nothing fits (and why),
//! the close for a customer who is done, asking again, languages, and answers that
//! need an action first.

use crate::copilot::draft::THRESHOLD;
use crate::copilot::test_support::{ask, ctx, kb, msg};
use frontdesk_domain::{AuthorKind, Channel};

#[test]
fn nothing_that_fits_gets_no_draft_and_says_why() {
    let kb = kb();
    for noise in ["asdkjh qwpoeiru zxmnv", "hello?", "my cat is very cute", "I like your website design", ""] {
        let draft = kb.draft(&ask(Channel::Web, noise));
        assert!(draft.sources.is_empty(), "{noise:?} matched {:?}", draft.sources);
        assert_eq!(draft.body, "", "{noise:?}");
        assert!(draft.actions.is_empty());
        let why = draft.withheld.expect("a reason");
        assert!(why.starts_with("no confident suggestion"), "{why}");
    }
    // A weak match names itself and its confidence, so the agent knows what was close.
    let weak = kb.draft(&ask(Channel::Web, "my screen has a line on it"));
    if let Some(why) = weak.withheld {
        assert!(why.contains("% sure") || why.contains("no article matches"), "{why}");
    }
}

#[test]
fn an_empty_thread_or_our_last_word_gets_no_draft() {
    let draft = kb().draft(&ctx(Channel::Sms, vec![]));
    assert!(draft.withheld.is_some_and(|w| w.contains("the last word in the thread is ours")));
    let ours = ctx(
        Channel::Web,
        vec![msg(AuthorKind::Contact, "where is my order #4821"), msg(AuthorKind::Agent, "On its way!")],
    );
    assert!(kb().draft(&ours).withheld.is_some());
}

#[test]
fn a_customer_who_is_done_gets_a_close_not_a_new_answer() {
    use AuthorKind::{Agent, Contact};
    let c = ctx(
        Channel::Whatsapp,
        vec![
            msg(Contact, "The confirmation email isn't arriving at the new address"),
            msg(Agent, "I've resent it, please check spam too."),
            msg(Contact, "Found it in spam, all done. Thanks!"),
        ],
    );
    let draft = kb().draft(&c);
    assert_eq!(draft.sources, ["thank-you-closing"]);
    assert!(draft.actions.iter().any(|a| a.action == "close"));
    assert!(draft.confidence >= THRESHOLD);
    // Asked again: the close was offered; nothing else is right.
    let again = kb().draft_other_than(&c, &draft.sources);
    assert!(again.withheld.is_some_and(|w| w.contains("the close was offered")));
}

#[test]
fn asking_again_gives_the_next_best_or_says_there_is_none() {
    let kb = kb();
    let c = ask(Channel::Web, "I want to cancel my subscription, and can I get a refund?");
    let first = kb.draft(&c);
    let second = kb.draft_other_than(&c, &first.sources);
    assert_ne!(first.sources, second.sources);
    let mut given = first.sources.clone();
    given.extend(second.sources.clone());
    let mut seen = given.clone();
    for _ in 0..10 {
        let next = kb.draft_other_than(&c, &seen);
        if next.withheld.is_some() {
            assert!(next.withheld.is_some_and(|w| w.contains("no other confident suggestion")));
            return;
        }
        assert!(!seen.contains(&next.sources[0]), "offered {} twice", next.sources[0]);
        seen.extend(next.sources);
    }
    panic!("ten confident drafts for one question: {seen:?}");
}

#[test]
fn a_language_the_knowledge_base_lacks_is_said_not_answered_in_english() {
    let draft = kb().draft(&ask(Channel::Email, "Bonjour, où en est ma commande ? Je l'attends depuis une semaine."));
    assert_eq!(draft.withheld.as_deref(), Some("no article in French"));
    assert_eq!(draft.lang, "fr");
}

#[test]
fn customers_are_answered_in_their_language_and_greeted_its_way() {
    let kb = kb();
    let mut c = ask(
        Channel::Email,
        "お世話になっております。注文番号 KH-555012 の商品はいつ届きますか？まだ発送のお知らせが届いていません。",
    );
    c.contact_name = "佐藤 健".into();
    let ja = kb.draft(&c);
    assert_eq!(ja.lang, "ja", "{ja:?}");
    assert!(ja.body.starts_with("佐藤様"), "{}", ja.body);
    assert!(ja.body.ends_with("{agent_name}"), "{}", ja.body);

    let mut c = ask(Channel::Whatsapp, "Hola, ¿mi pedido KH-385875 ya salió? Lo necesito para el viernes");
    c.contact_name = "Lucía Fernández".into();
    let es = kb.draft(&c);
    assert_eq!(es.lang, "es", "{es:?}");
    assert!(es.body.starts_with("Hola Lucía"), "{}", es.body);
    assert!(es.body.contains("KH-385875"), "{}", es.body);
    assert_eq!(es.sources, ["order-status-es"]);

    let mut c = ask(
        Channel::Whatsapp,
        "我上周订购了 Kestrel Doorbell Pro（订单号 KH-213263），到现在还没有收到发货通知。请问什么时候可以发货？",
    );
    c.contact_name = "陈伟".into();
    let zh = kb.draft(&c);
    assert_eq!(zh.lang, "zh", "{zh:?}");
    assert!(zh.body.starts_with("陈伟您好"), "{}", zh.body);
}

#[test]
fn answers_that_need_an_action_say_what_first() {
    let kb = kb();
    for a in kb.answers() {
        for (field, text) in a.texts() {
            if let Some(claim) = crate::copilot::claims::first_claim(text) {
                assert!(a.before_sending.is_some(), "{}.{field} claims {claim:?} with nothing to do first", a.id);
            }
        }
    }
    let draft = kb.draft(&ask(Channel::Web, "Hi, I'd like to cancel my order KH-158556. Found it cheaper locally"));
    assert_eq!(draft.sources, ["order-cancel"]);
    assert!(draft.before_sending.is_some(), "{draft:?}");
}
