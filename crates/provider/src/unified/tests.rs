use super::tag::{self, ME, Tagger};
use frontdesk_domain::testing::{agent, conversation};
use frontdesk_domain::{AssigneeFilter, ViewFilter};

#[test]
fn ids_are_tagged_with_their_account_and_split_back() {
    let mut c = conversation(1, "Ana", frontdesk_domain::Channel::Sms, "hi");
    c.assignee = Some(std::sync::Arc::new(agent("agt_me", "Me Myself")));
    let t = Tagger { account: "east", me: Some("agt_me") };
    t.conversation(&mut c);
    assert_eq!(c.id.as_str(), "east/cnv_0001");
    assert_eq!(c.contact.id.as_str(), "east/ctc_0001");
    assert_eq!(c.assignee.as_ref().map(|a| a.id.as_str()), Some(ME), "my own agent in any account is me");
    // A vendor id may hold the separator itself: only the first one splits.
    assert_eq!(tag::split("west/conv/with/slashes"), Some(("west", "conv/with/slashes")));
    let (account, raw) = tag::conversation(&c.id).expect("tagged");
    assert_eq!((account, raw.as_str()), ("east", "cnv_0001"));
}

#[test]
fn filters_name_other_agents_by_account() {
    let t = Tagger { account: "west", me: Some("agt_me") };
    let mut f = ViewFilter { assignee: Some(AssigneeFilter::Agent("agt_sam".into())), ..ViewFilter::default() };
    t.filter(&mut f);
    assert_eq!(f.assignee, Some(AssigneeFilter::Agent("west/agt_sam".into())));
}
