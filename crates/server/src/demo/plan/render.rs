//! Placeholders (`{first}`, `{order}` …) and their rendering, plus the small helpers
//! the generator and the simulator share: names, spans and a contact's address on a
//! channel.
//!
//! To add a placeholder: add its name to [`VAR_NAMES`] (templates using an unknown
//! name fail validation) and set its value in the generator's `vars`.

use std::collections::HashMap;

use rand::Rng;
use rand::rngs::StdRng;

use frontdesk_domain::Channel;

pub(super) const VAR_NAMES: [&str; 22] = [
    "first",
    "name",
    "email",
    "phone",
    "company",
    "agent",
    "agent_name",
    "agent2",
    "agent2_name",
    "mention",
    "ai",
    "team",
    "org",
    "order",
    "tracking",
    "ticket",
    "rma",
    "last4",
    "product",
    "price",
    "plan",
    "plan_price",
];

pub(super) struct Vars(HashMap<&'static str, String>);

impl Vars {
    /// Every placeholder set: rendering a template with it finds unknown names.
    pub(super) fn probe() -> Self {
        Self(VAR_NAMES.iter().map(|&k| (k, String::new())).collect())
    }

    /// The few values simulator lines use.
    pub(super) fn for_simulator(rng: &mut StdRng, first: &str) -> Self {
        let mut vars = Self::probe();
        vars.set("first", first.to_owned());
        vars.set("order", order_number(rng));
        vars
    }

    pub(super) fn set(&mut self, key: &'static str, value: String) {
        self.0.insert(key, value);
    }
}

/// Fills `{name}` placeholders; `{{` and `}}` are literal braces.
pub(super) fn render(template: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let end = after.find('}').ok_or("unclosed '{' (write '{{' for a brace)")?;
            let key = &after[..end];
            let value = vars.0.get(key).ok_or_else(|| format!("unknown placeholder {{{key}}}"))?;
            out.push_str(value);
            rest = &after[end + 1..];
        } else {
            return Err("lone '}' (write '}}' for a brace)".to_owned());
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// For templates already validated on load: a failure cannot happen, and showing the
/// raw line beats losing it.
pub(super) fn render_or_raw(template: &str, vars: &Vars) -> String {
    render(template, vars).unwrap_or_else(|_| template.to_owned())
}

pub(super) fn order_number(rng: &mut StdRng) -> String {
    format!("KH-{}", rng.random_range(104_000..=398_999))
}

pub(super) fn first_word(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_owned()
}

/// "45s", "20m", "3h", "2d" in seconds.
pub(super) fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: i64 = text[..text.len() - unit.len_utf8()].trim().parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    (number > 0).then(|| number * scale)
}

/// The contact's address on a channel; web visitors without an email get a stable
/// visitor id.
pub(super) fn handle_for(channel: &Channel, email: Option<&str>, phone: Option<&str>, name: &str, salt: u32) -> String {
    let visitor = || format!("visitor-{:08x}", fnv1a(name) ^ salt);
    match channel {
        Channel::Email | Channel::Api | Channel::Web | Channel::Other(_) => email.map_or_else(visitor, str::to_owned),
        Channel::Sms | Channel::Whatsapp | Channel::Voice => phone.map_or_else(visitor, str::to_owned),
    }
}

/// A small stable hash (std's hasher may change between releases; visitor ids must not).
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_reject_unknown_placeholders_and_keep_literal_braces() {
        let vars = Vars::probe();
        assert_eq!(render("{{ \"a\": 1 }}", &vars).as_deref(), Ok("{ \"a\": 1 }"));
        assert!(render("Hi {frist}", &vars).is_err());
        assert!(render("Hi {first", &vars).is_err());
        assert!(render("a } b", &vars).is_err());
        assert_eq!(parse_span("3h"), Some(10_800));
        assert_eq!(parse_span("45s"), Some(45));
        assert_eq!(parse_span("2 weeks"), None);
    }
}
