//! Files in the composer: typed, checked as typed, sent with the reply, kept for a
//! retry; refused at the key where the account takes none.

use super::{answer, flash, id, only_op};
use crate::state::Overlay;
use crate::testing::{keys, render, with_thread};
use frontdesk_domain::Op;
use frontdesk_provider::ProviderError;

#[test]
fn an_account_without_files_says_so_at_the_key() {
    let mut s = with_thread(160, 48);
    keys(&mut s, "rHi");
    assert!(keys(&mut s, "<C-o>").is_empty());
    assert!(s.overlay.is_none());
    assert_eq!(flash(&s).0, "this account cannot send files");
    assert!(!render(&s).contains("attach ·"), "no attach hint in the composer's border");
}

#[test]
fn a_typed_file_is_checked_attached_sent_and_kept_for_a_retry() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("invoice.pdf");
    std::fs::write(&file, vec![b'x'; 2048]).expect("write");
    let mut s = with_thread(160, 48);
    s.caps.attachments = true;
    let conversation = id(&s, 0);
    keys(&mut s, "rHere it is<C-o>");
    assert!(matches!(&s.overlay, Some(Overlay::Picker(p)) if p.title.starts_with("Attach a file")));
    keys(&mut s, &format!("{}/nope.pdf", dir.path().display()));
    assert!(render(&s).contains("nope.pdf: no such file"), "{}", render(&s));
    keys(&mut s, "<Enter>");
    assert_eq!(flash(&s).0, "no file attached: type the path of one");
    keys(&mut s, "<C-o>");
    keys(&mut s, &file.display().to_string());
    assert!(render(&s).contains("invoice.pdf (2 KB)"), "{}", render(&s));
    keys(&mut s, "<Enter>");
    assert_eq!(s.composer.as_ref().map(|c| c.attachments.clone()), Some(vec![file.clone()]));
    assert!(render(&s).contains("with invoice.pdf"), "{}", render(&s));

    keys(&mut s, "<C-s>");
    assert!(render(&s).contains("Send with 1 file?"), "{}", render(&s));
    let (ticket, op) = only_op(&keys(&mut s, "y"));
    let Op::Send { attachments, body, .. } = &op else { panic!("{op:?}") };
    assert_eq!((attachments.clone(), body.as_str()), (vec![file.clone()], "Here it is"));
    assert!(render(&s).contains("[file] invoice.pdf"), "shown with the message while it goes");

    answer(&mut s, ticket, Err(ProviderError::Permanent { code: "X".into(), message: "too big for them".into() }));
    let (_, again) = only_op(&keys(&mut s, "R"));
    assert!(
        matches!(&again, Op::Send { attachments, conversation: c, .. } if *attachments == vec![file.clone()] && *c == conversation),
        "{again:?}"
    );
}

#[test]
fn an_attached_file_can_be_taken_off_again() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("photo.jpg");
    std::fs::write(&file, b"jpg").expect("write");
    let mut s = with_thread(160, 48);
    s.caps.attachments = true;
    keys(&mut s, "rHi<C-o>");
    keys(&mut s, &format!("{}<Enter>", file.display()));
    assert_eq!(flash(&s).0, "attached photo.jpg");
    keys(&mut s, "<C-o>");
    assert!(render(&s).contains("Take off photo.jpg"), "{}", render(&s));
    keys(&mut s, "<Enter>");
    assert_eq!(flash(&s).0, "took off photo.jpg");
    assert_eq!(s.composer.as_ref().map(|c| c.attachments.len()), Some(0));
}
