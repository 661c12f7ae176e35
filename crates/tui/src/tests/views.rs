//! Saving the list as a view for the team, and deleting a saved one (asked first;
//! built-in views refused at the key).

use super::flash;
use crate::state::{Deletion, Overlay};
use crate::testing::{inbox, keys, render};
use crate::update::update;
use crate::{Action, Effect};
use frontdesk_domain::{View, ViewFilter, ViewId, ViewKind};
use frontdesk_provider::ProviderError;
use frontdesk_sync::{SyncCommand, SyncEvent};

#[test]
fn what_the_list_shows_is_saved_under_a_typed_name_and_opened() {
    let mut s = inbox(160, 48);
    let mine = s.views.iter().position(|v| v.view.id.as_str() == "mine").expect("a Mine view");
    s.active_view = mine;
    s.list.filter = Some("refund".into());
    keys(&mut s, ":save-view<Enter>");
    assert!(render(&s).contains("type the view's name"));
    keys(&mut s, "Unread");
    assert!(render(&s).contains("a view named Unread exists already"), "{}", render(&s));
    assert!(keys(&mut s, "<Enter>").is_empty());
    keys(&mut s, ":save-view<Enter>My refunds");
    assert!(render(&s).contains("mine, matching \u{201c}refund\u{201d}"), "{}", render(&s));
    let effects = keys(&mut s, "<Enter>");
    let expected = ViewFilter { q: Some("refund".into()), ..s.views[mine].view.filter.clone() };
    assert_eq!(
        effects,
        vec![Effect::Sync(SyncCommand::SaveView { name: "My refunds".into(), filter: expected.clone() })]
    );

    let saved = View { id: ViewId::from("v_9"), name: "My refunds".into(), kind: ViewKind::Saved, filter: expected };
    let effects = update(&mut s, Action::Sync(SyncEvent::ViewSaved(Ok(saved))));
    assert_eq!(s.view().map(|v| v.id.as_str()), Some("v_9"), "the list goes to it");
    assert!(effects.contains(&Effect::Sync(SyncCommand::Views)), "counts read again: {effects:?}");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::List { .. }))));
    let refused = ProviderError::Conflict("a view with that name exists".into());
    update(&mut s, Action::Sync(SyncEvent::ViewSaved(Err(refused))));
    assert!(flash(&s).0.starts_with("view not saved: conflict"), "{:?}", flash(&s));
}

#[test]
fn a_saved_view_is_deleted_after_the_question_and_built_in_ones_never() {
    let mut s = inbox(160, 48);
    assert!(keys(&mut s, ":delete-view<Enter>").is_empty());
    let first = s.view().map(|v| v.name.clone()).unwrap_or_default();
    assert_eq!(flash(&s).0, format!("{first} is built in: it cannot be deleted"));
    let saved = s.views.iter().position(|v| v.view.kind == ViewKind::Saved).expect("a saved view in the fixture");
    let id = s.views[saved].view.id.clone();
    s.active_view = saved;
    keys(&mut s, ":delete-view<Enter>");
    assert!(matches!(&s.overlay, Some(Overlay::ConfirmDelete { target: Deletion::View(v), .. }) if *v == id));
    assert!(render(&s).contains("the whole team)?"), "{}", render(&s));
    assert_eq!(keys(&mut s, "y"), vec![Effect::Sync(SyncCommand::DeleteView(id.clone()))]);
    let n = s.views.len();
    update(
        &mut s,
        Action::Sync(SyncEvent::ViewDeleted {
            id: id.clone(),
            result: Err(ProviderError::Conflict("built in".into())),
        }),
    );
    assert_eq!(s.views.len(), n, "kept when refused");
    let effects = update(&mut s, Action::Sync(SyncEvent::ViewDeleted { id: id.clone(), result: Ok(()) }));
    assert_eq!(s.views.len(), n - 1);
    assert!(s.views.iter().all(|v| v.view.id != id));
    assert_eq!(s.active_view, 0, "the list went back to the first view");
    assert!(effects.contains(&Effect::Sync(SyncCommand::Views)));
}

#[test]
fn an_account_that_cannot_edit_views_says_so() {
    let mut s = inbox(160, 48);
    s.caps.edit_views = false;
    assert!(keys(&mut s, ":save-view<Enter>").is_empty());
    assert_eq!(flash(&s).0, "this account cannot save or delete views");
}

#[test]
fn enter_on_a_view_still_loading_says_so_and_opens_nothing() {
    let mut s = inbox(160, 48);
    let effects = keys(&mut s, "ga");
    assert!(effects.iter().any(|e| matches!(e, Effect::Sync(SyncCommand::List { .. }))), "{effects:?}");
    assert!(keys(&mut s, "<Enter>").is_empty(), "nothing is lit, so nothing opens");
    assert!(s.thread.is_none());
    assert_eq!(flash(&s).0, "the list is still loading: nothing is selected yet");
}
