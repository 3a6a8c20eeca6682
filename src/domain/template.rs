//! Per-recipient templating of a batch body, with the rules of the
//! v1 engine: `{name}` takes the recipient's own value, else the `default`
//! entry's, else the empty string; a `{token}` that no recipient and no
//! default defines is left as typed, so plain braces survive. Names are
//! case-sensitive.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// A body split into literal text and placeholders, parsed once per batch.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Placeholder(String),
}

/// Placeholder values of one recipient (strings, numbers or booleans).
pub type Values = Map<String, Value>;

impl Template {
    pub fn parse(body: &str) -> Template {
        let mut parts = Vec::new();
        let mut rest = body;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after.find(['{', '}']);
            match close {
                Some(close) if after.as_bytes()[close] == b'}' && close > 0 => {
                    parts.push(Part::Text(rest[..open].to_owned()));
                    parts.push(Part::Placeholder(after[..close].to_owned()));
                    rest = &after[close + 1..];
                }
                _ => {
                    // A lone `{`, `{}` or `{{`: literal text up to the next brace.
                    parts.push(Part::Text(rest[..=open].to_owned()));
                    rest = after;
                }
            }
        }
        parts.push(Part::Text(rest.to_owned()));
        parts.retain(|part| !matches!(part, Part::Text(text) if text.is_empty()));
        Template { parts }
    }

    /// The body for one recipient. `defined` holds every name that some
    /// recipient or the default defines.
    pub fn render(
        &self,
        own: Option<&Values>,
        default: Option<&Values>,
        defined: &HashSet<String>,
    ) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Placeholder(name) if !defined.contains(name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
                Part::Placeholder(name) => {
                    let value =
                        own.and_then(|v| v.get(name)).or_else(|| default.and_then(|v| v.get(name)));
                    if let Some(value) = value {
                        push_value(&mut out, value);
                    }
                }
            }
        }
        out
    }
}

fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::String(text) => out.push_str(text),
        Value::Null => {}
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn values(value: Value) -> Values {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn placeholders_take_own_then_default_then_empty() {
        let template = Template::parse("Hi {name}, order {order} shipped.{sign}");
        let defined: HashSet<String> = ["name", "sign", "order"].map(String::from).into();
        let anna = values(json!({"name": "Anna", "order": 42}));
        let default = values(json!({"name": "customer", "sign": " /Acme"}));
        assert_eq!(
            template.render(Some(&anna), Some(&default), &defined),
            "Hi Anna, order 42 shipped. /Acme"
        );
        assert_eq!(
            template.render(None, Some(&default), &defined),
            "Hi customer, order  shipped. /Acme"
        );
    }

    #[test]
    fn undefined_tokens_and_stray_braces_stay_as_typed() {
        let template = Template::parse("{a} {b} {} {{x}} } {Name}");
        let defined: HashSet<String> = ["a", "name", "x"].map(String::from).into();
        let own = values(json!({"a": "1", "name": "lower", "x": "X"}));
        assert_eq!(template.render(Some(&own), None, &defined), "1 {b} {} {X} } {Name}");
    }
}
