//! `smsmock ctl`: the control API from a shell step, without curl and jq.
//! Each command is one control call against `--url` (the local port by
//! default); it prints the answer and exits non-zero when the call fails
//! or, for `verify`, when it did not match.

use std::process::ExitCode;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::config::{CtlArgs, CtlCommand};

/// Runs one `ctl` command.
pub async fn run(args: &CtlArgs, port: u16) -> ExitCode {
    match call(args, port).await {
        Ok(code) => code,
        Err(problem) => {
            eprintln!("smsmock ctl: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn call(args: &CtlArgs, port: u16) -> Result<ExitCode, String> {
    let base = args.url.clone().unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    let base = base.trim_end_matches('/').to_owned();
    // A wait may take a minute; anything else answers at once.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(75))
        .build()
        .map_err(|err| err.to_string())?;
    let request = |method: Method, path: &str| {
        let builder = client.request(method, format!("{base}{path}"));
        match &args.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    };
    match &args.command {
        CtlCommand::Advance { duration, account } => {
            let seconds = seconds(duration)?;
            let body = json!({"seconds": seconds, "account": account});
            let pass = answer(request(Method::POST, "/_mock/clock/advance").json(&body)).await?;
            println!(
                "advanced {seconds} s: {} status changes, {} callback attempts",
                pass["statusChanges"], pass["callbackAttempts"]
            );
        }
        CtlCommand::Latest { phone, code, wait } => {
            let mut path = format!("/_mock/phones/{}/messages/latest", encode(phone));
            if let Some(wait) = wait {
                path.push_str(&format!("?wait={}", encode(wait)));
            }
            let message = answer(request(Method::GET, &path)).await?;
            let text = message["text"].as_str().unwrap_or_default();
            if *code {
                let digits = one_time_code(text).ok_or_else(|| {
                    format!("the latest message to {phone} has no code: {text:?}")
                })?;
                println!("{digits}");
            } else {
                println!("{}", serde_json::to_string_pretty(&message).unwrap_or_default());
            }
        }
        CtlCommand::Reset { account } => {
            let path = match account {
                Some(account) => format!("/_mock/reset?account={}", encode(account)),
                None => "/_mock/reset".to_owned(),
            };
            let done = answer(request(Method::DELETE, &path)).await?;
            println!("reset {}", done["account"].as_str().unwrap_or("everything"));
        }
        CtlCommand::Verify { json: filter } => {
            let body: Value = serde_json::from_str(filter)
                .map_err(|err| format!("the verification is not JSON: {err}"))?;
            let verdict = answer(request(Method::POST, "/_mock/verify").json(&body)).await?;
            println!("{}", serde_json::to_string_pretty(&verdict).unwrap_or_default());
            if verdict["matched"] != true {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends a call; its JSON answer, or why it failed.
async fn answer(request: RequestBuilder) -> Result<Value, String> {
    let response = request.send().await.map_err(|err| format!("cannot reach smsmock: {err}"))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let error = body["error"].as_str().map(str::to_owned).unwrap_or_else(|| body.to_string());
        return Err(format!("{status}: {error}"));
    }
    Ok(body)
}

/// `90`, `90s`, `10m`, `2h`, `1d`, or an ISO 8601 duration (`PT10M`).
fn seconds(duration: &str) -> Result<u64, String> {
    let text = duration.trim();
    let bad = || format!("{duration:?} is not a duration such as 90s, 10m, 2h, 1d or PT10M");
    if let Some(iso) = text.strip_prefix("PT").or_else(|| text.strip_prefix("pt")) {
        let mut total = 0u64;
        let mut number = String::new();
        for c in iso.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let amount: u64 = number.parse().map_err(|_| bad())?;
            number.clear();
            let unit = match c.to_ascii_uppercase() {
                'H' => 3600,
                'M' => 60,
                'S' => 1,
                _ => return Err(bad()),
            };
            total = total.saturating_add(amount.saturating_mul(unit));
        }
        return if number.is_empty() && !iso.is_empty() { Ok(total) } else { Err(bad()) };
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let amount: u64 = digits.parse().map_err(|_| bad())?;
    let unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    Ok(amount.saturating_mul(unit))
}

/// The first run of 4 to 8 digits in a text: a one-time code, as the
/// inbox's Phone page reads it.
fn one_time_code(text: &str) -> Option<&str> {
    let mut start = None;
    for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                if (4..=8).contains(&(at - from)) {
                    return Some(&text[from..at]);
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

/// A path segment or query value, percent-encoded.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(seconds("90"), Ok(90));
        assert_eq!(seconds("10m"), Ok(600));
        assert_eq!(seconds("2h"), Ok(7200));
        assert_eq!(seconds("1d"), Ok(86_400));
        assert_eq!(seconds("PT1H30M"), Ok(5400));
        for bad in ["", "ten", "10w", "PT", "PT10", "-5s"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_code_is_the_first_run_of_four_to_eight_digits() {
        assert_eq!(one_time_code("Your code is 482913"), Some("482913"));
        assert_eq!(one_time_code("Order 12, code 7712 valid 10 min"), Some("7712"));
        assert_eq!(one_time_code("Call 123456789012"), None);
        assert_eq!(one_time_code("No digits"), None);
    }
}
