//! Sanitising whole domain values. Every adapter calls [`Clean::clean`] on what it
//! received before handing it on, so no string from the network reaches the screen,
//! a notification or a log with an escape sequence in it. One-line fields (names,
//! subjects, tags) lose their line breaks too.

use super::text::{sanitize, sanitize_line};
use super::{Agent, Contact, Conversation, Event, EventKind, Message, Suggestion, View, ViewWithCount};

pub trait Clean {
    fn clean(&mut self);
}

fn line(s: &mut String) {
    *s = sanitize_line(s);
}

fn opt_line(s: &mut Option<String>) {
    if let Some(s) = s {
        line(s);
    }
}

impl Clean for Agent {
    fn clean(&mut self) {
        line(&mut self.name);
        line(&mut self.email);
        opt_line(&mut self.team);
    }
}

impl Clean for Contact {
    fn clean(&mut self) {
        line(&mut self.name);
        line(&mut self.handle);
        opt_line(&mut self.email);
        opt_line(&mut self.phone);
        opt_line(&mut self.company);
    }
}

impl Clean for Conversation {
    fn clean(&mut self) {
        self.contact.clean();
        opt_line(&mut self.subject);
        if let Some(a) = &mut self.assignee {
            std::sync::Arc::make_mut(a).clean();
        }
        opt_line(&mut self.team);
        self.tags.iter_mut().for_each(line);
        if let Some(m) = &mut self.last_message {
            line(&mut m.preview);
        }
        opt_line(&mut self.ai_agent);
    }
}

impl Clean for Message {
    fn clean(&mut self) {
        self.body = sanitize(&self.body);
        line(&mut self.author.name);
        for a in &mut self.attachments {
            line(&mut a.name);
            line(&mut a.content_type);
            opt_line(&mut a.url);
        }
        if let Some(call) = &mut self.call {
            if let Some(s) = &mut call.summary {
                *s = sanitize(s);
            }
            opt_line(&mut call.recording_url);
        }
    }
}

impl Clean for Suggestion {
    fn clean(&mut self) {
        self.body = sanitize(&self.body);
        for a in &mut self.actions {
            line(&mut a.label);
            line(&mut a.action);
        }
        self.sources.iter_mut().for_each(line);
        line(&mut self.engine);
    }
}

impl Clean for View {
    fn clean(&mut self) {
        line(&mut self.name);
    }
}

impl Clean for ViewWithCount {
    fn clean(&mut self) {
        self.view.clean();
    }
}

impl Clean for Event {
    fn clean(&mut self) {
        match &mut self.kind {
            EventKind::MessageCreated(m) => m.clean(),
            EventKind::ConversationUpdated(c) => c.clean(),
            EventKind::SuggestionCreated(s) | EventKind::SuggestionResolved(s) => s.clean(),
            EventKind::Presence(p) => line(&mut p.agent_name),
            EventKind::ViewCountsChanged(_) | EventKind::Resync => {}
        }
    }
}

impl<T: Clean> Clean for Vec<T> {
    fn clean(&mut self) {
        self.iter_mut().for_each(Clean::clean);
    }
}
