//! Hiding credentials in what the request journal keeps: `Authorization`
//! and `Proxy-Authorization` values after their scheme, cookies and API
//! key headers, and credential fields — `password`, `jwt`, `token` and
//! their kin, in any case — in query strings, form bodies, JSON bodies
//! (malformed ones too, at any depth) and XML (SOAP) bodies. Masking works
//! on the text, so a body is kept as it was sent but for the secrets.

/// Field names that hold a credential (compared in any case).
const SECRET_NAMES: [&str; 10] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "jwt",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "secret",
];

/// What a secret is replaced with.
const MASK: &str = "***";

fn is_secret(name: &str) -> bool {
    SECRET_NAMES.iter().any(|secret| secret.eq_ignore_ascii_case(name))
}

/// A header's value as the journal keeps it.
pub fn mask_header(name: &str, value: &str) -> String {
    match name {
        "authorization" | "proxy-authorization" => match value.trim().split_once(' ') {
            Some((scheme, _)) => format!("{scheme} {MASK}"),
            None => MASK.to_owned(),
        },
        "cookie" | "x-api-key" => MASK.to_owned(),
        _ => value.to_owned(),
    }
}

/// A query string (or a form body) with its credential fields masked;
/// every other pair is kept as it was written.
pub fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(name, _)| name.into_owned())
                .unwrap_or_default();
            if is_secret(&decoded) { format!("{name}={MASK}") } else { pair.to_owned() }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A request body with its credentials masked, whatever its format:
/// form-encoded when `form` (its content type says so), else JSON-like
/// and XML-like secrets wherever they appear.
pub fn mask_body(body: &str, form: bool) -> String {
    if form {
        return mask_query(body);
    }
    mask_xml(&mask_json(body))
}

/// Masks the value of every `"<secret name>": value` in a JSON-like text,
/// even one that does not parse: a string value up to its closing quote
/// (or the end), any other up to the next `,`, `}`, `]` or line end.
fn mask_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let (before, from_quote) = rest.split_at(start);
        out.push_str(before);
        let Some((key, after_key)) = json_string(from_quote) else {
            out.push_str(from_quote);
            return out;
        };
        out.push_str(&from_quote[..from_quote.len() - after_key.len()]);
        rest = after_key;
        let trimmed = rest.trim_start();
        if !is_secret(key) || !trimmed.starts_with(':') {
            continue;
        }
        let value = trimmed[1..].trim_start();
        out.push_str(&rest[..rest.len() - value.len()]);
        rest = match json_string(value) {
            Some((_, after)) => {
                out.push_str(&format!("\"{MASK}\""));
                after
            }
            None if value.starts_with('"') => {
                out.push_str(&format!("\"{MASK}"));
                ""
            }
            None => {
                let end = value.find([',', '}', ']', '\n']).unwrap_or(value.len());
                out.push_str(&format!("\"{MASK}\""));
                &value[end..]
            }
        };
    }
    out.push_str(rest);
    out
}

/// The contents of the JSON string literal `text` starts with, and what
/// follows it; `None` when it does not start with one or it is unclosed.
fn json_string(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('"')?;
    let mut escaped = false;
    for (index, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some((&inner[..index], &inner[index + 1..])),
            _ => {}
        }
    }
    None
}

/// Masks the text of every element named like a secret (any namespace
/// prefix): `<password>…</password>`, `<ns:password>…`.
fn mask_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let (before, tag) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = tag.find('>') else {
            out.push_str(tag);
            return out;
        };
        let name = tag[1..close].split_whitespace().next().unwrap_or_default();
        let local = name.rsplit(':').next().unwrap_or_default();
        out.push_str(&tag[..=close]);
        rest = &tag[close + 1..];
        let self_closing = tag[..close].ends_with('/');
        if is_secret(local) && !name.starts_with('/') && !self_closing {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push_str(MASK);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(mask_header("authorization", "Bearer abc"), "Bearer ***");
        assert_eq!(mask_header("proxy-authorization", "Basic dXNlcjpwYXNz"), "Basic ***");
        assert_eq!(mask_header("authorization", "garbage"), "***");
        assert_eq!(mask_header("content-type", "application/json"), "application/json");
    }

    #[test]
    fn query_strings_and_forms() {
        assert_eq!(
            mask_query("username=test&password=s3cret&JWT=x.y.z&id=1&Pass%77ord=a"),
            "username=test&password=***&JWT=***&id=1&Pass%77ord=***"
        );
        assert_eq!(mask_body("user=a&pwd=b", true), "user=a&pwd=***");
    }

    #[test]
    fn json_whole_or_broken_at_any_depth() {
        let body = r#"{"username":"test", "password" : "te\"st", "n": 1}"#;
        assert_eq!(mask_body(body, false), r#"{"username":"test", "password" : "***", "n": 1}"#);
        let nested = r#"{"auth":{"Password":1234},"list":[{"jwt":null}]}"#;
        assert_eq!(
            mask_body(nested, false),
            r#"{"auth":{"Password":"***"},"list":[{"jwt":"***"}]}"#
        );
        let broken = r#"{"username":"test","password":"s3cr"#;
        assert_eq!(mask_body(broken, false), r#"{"username":"test","password":"***"#);
        assert!(!mask_body(r#"{"password":"#, false).contains("s3"));
        assert_eq!(
            mask_body(r#"{"text":"my password is"}"#, false),
            r#"{"text":"my password is"}"#
        );
    }

    #[test]
    fn xml_elements() {
        let soap = "<soap:Body><ns:SendSms><ns:username>u</ns:username><ns:password>s3cret</ns:password></ns:SendSms></soap:Body>";
        assert_eq!(
            mask_body(soap, false),
            "<soap:Body><ns:SendSms><ns:username>u</ns:username><ns:password>***</ns:password></ns:SendSms></soap:Body>"
        );
        assert_eq!(mask_body("<password/><b>x</b>", false), "<password/><b>x</b>");
    }
}
