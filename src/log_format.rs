//! How a human-readable log line is written: as tracing-subscriber's
//! default format writes it, byte for byte, but in less time.
//!
//! At tens of thousands of requests a second the request's log line was
//! the largest single cost of a `GET /api/me`: the date formatted for
//! every line, and every field's name passed through the colour styling
//! even with colours off. [`LineTime`] formats the date once a second;
//! [`LineFields`] writes the fields directly (a latency in whole
//! microseconds without the float formatter) and hands only messages,
//! strings that need escaping and errors to tracing-subscriber's own
//! writer, so the text is unchanged.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{RecordFields, VisitOutput};
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{DefaultFields, DefaultVisitor, Writer};
use tracing_subscriber::fmt::time::FormatTime;

/// A log line's time, written as tracing-subscriber's own timer writes it
/// (`2026-12-02T08:29:10.857817Z`), with the part up to the second
/// formatted once a second on each thread rather than for every line: at
/// tens of thousands of requests a second, the date was a fifth of the cost
/// of a request's log line.
pub struct LineTime;

thread_local! {
    /// The second last written on this thread, and its text.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

impl FormatTime for LineTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        write_time(w, since_epoch.as_secs(), since_epoch.subsec_micros())
    }
}

fn write_time(w: &mut impl fmt::Write, secs: u64, micros: u32) -> fmt::Result {
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != secs {
            *second = secs;
            text.clear();
            let time =
                i64::try_from(secs).ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0));
            let _ = write!(text, "{}", time.unwrap_or_default().format("%Y-%m-%dT%H:%M:%S"));
        }
        w.write_str(text)
    })?;
    let mut fraction = *b".000000Z";
    let mut rest = micros.min(999_999);
    for digit in fraction[1..7].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    w.write_str(std::str::from_utf8(&fraction).unwrap_or(".000000Z"))
}

/// The fields of a line without colours; with colours, tracing-subscriber's
/// own [`DefaultFields`].
pub struct LineFields;

impl<'writer> FormatFields<'writer> for LineFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        if writer.has_ansi_escapes() {
            return DefaultFields::new().format_fields(writer, fields);
        }
        let mut visitor = PlainFields { writer, empty: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result
    }
}

/// Writes `name=value` pairs separated by spaces, as [`DefaultVisitor`]
/// does without colours.
struct PlainFields<'writer> {
    writer: Writer<'writer>,
    /// Nothing written yet: no space before the next field.
    empty: bool,
    result: fmt::Result,
}

impl PlainFields<'_> {
    /// Writes `name=` and then `value`, after a space if a field came before.
    fn write(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() || skipped(field) {
            return;
        }
        let name = field.name();
        let name = name.strip_prefix("r#").unwrap_or(name);
        self.result = self
            .separate()
            .and_then(|()| write_pieces(&mut self.writer, &[name, "="]))
            .and_then(|()| value(&mut self.writer));
    }

    /// The space before a field, unless it is the first.
    fn separate(&mut self) -> fmt::Result {
        if std::mem::replace(&mut self.empty, false) { Ok(()) } else { self.writer.write_str(" ") }
    }

    /// Anything else: tracing-subscriber's own visitor writes it.
    fn delegate(&mut self, field: &Field, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if self.result.is_err() || skipped(field) {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.empty);
        record(&mut visitor);
        self.result = visitor.finish();
        self.empty = false;
    }
}

/// What the `log` crate's records carry besides their message, which
/// tracing-subscriber leaves out of the line.
fn skipped(field: &Field) -> bool {
    field.name().starts_with("log.")
}

/// Pieces of text one after the other. Pieces, not `write!`: the
/// formatting machinery costs more than the copying for text this short.
fn write_pieces(w: &mut impl fmt::Write, pieces: &[&str]) -> fmt::Result {
    pieces.iter().try_for_each(|piece| w.write_str(piece))
}

/// Whether every byte is printable ASCII, which no escaping changes.
fn printable_ascii(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| (b' '..=b'~').contains(b))
}

/// Whether `{:?}` of the string is the string in quotes: printable ASCII
/// without quotes or backslashes, which it escapes.
fn quotes_unchanged(value: &str) -> bool {
    printable_ascii(value.as_bytes()) && !value.bytes().any(|b| b == b'"' || b == b'\\')
}

impl Visit for PlainFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() != "message" && quotes_unchanged(value) {
            self.write(field, |w| write_pieces(w, &["\"", value, "\""]));
        } else {
            self.delegate(field, |visitor| visitor.record_str(field, value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.write(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.write(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.write(field, |w| write!(w, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        match thousandths(value) {
            Some((whole, fraction)) => self.write(field, |w| write_thousandths(w, whole, fraction)),
            None => self.record_debug(field, &value),
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.delegate(field, |visitor| visitor.record_error(field, value));
    }

    /// `name=` and `{:?}` of the value, as [`DefaultVisitor`] writes it
    /// without colours; the message goes to it, which escapes control
    /// characters in messages.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            // A short message of printable ASCII (a request line's
            // `request`) has nothing to escape: written as it is.
            let mut short = ShortText::default();
            if write!(short, "{value:?}").is_ok() && printable_ascii(short.written()) {
                if self.result.is_ok() {
                    self.result =
                        self.separate().and_then(|()| self.writer.write_str(short.as_str()));
                }
            } else {
                self.delegate(field, |visitor| visitor.record_debug(field, value));
            }
        } else {
            self.write(field, |w| write!(w, "{value:?}"));
        }
    }
}

/// A request's log line, which [`RequestLine::write`] writes without
/// tracing's machinery: at tens of thousands of requests a second, handing
/// the line to tracing and its fields one by one to [`LineFields`] took
/// 3,900 instructions of a request, a tenth of a `GET /api/me`; writing it
/// directly takes a few hundred.
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub latency_micros: u64,
    pub account: &'a str,
}

impl RequestLine<'_> {
    /// Appends the line, `since_epoch` its time, as tracing-subscriber
    /// writes `tracing::info!(%method, path, status, latency_ms, account,
    /// "request")` with [`LineTime`] and [`LineFields`], without colours or
    /// target (the unit tests hold the two to the same bytes):
    ///
    /// `2026-12-02T08:29:10.857817Z  INFO request method=GET path="/api/me"
    /// status=200 latency_ms=0.286 account="ip1-10001"`
    ///
    /// False, with nothing appended, for a line only tracing's writer
    /// writes as it would: a path or account that `{:?}` escapes, a
    /// method that is not printable ASCII, a latency of a billion
    /// milliseconds or more (written without the float formatter below).
    pub fn write(&self, out: &mut String, since_epoch: std::time::Duration) -> bool {
        let plain = printable_ascii(self.method.as_bytes())
            && quotes_unchanged(self.path)
            && quotes_unchanged(self.account);
        if !plain || self.latency_micros >= 1_000_000_000_000 {
            return false;
        }
        let (whole, fraction) = (self.latency_micros / 1000, (self.latency_micros % 1000) as u32);
        let written = write_time(out, since_epoch.as_secs(), since_epoch.subsec_micros())
            .and_then(|()| write_pieces(out, &["  INFO request method=", self.method]))
            .and_then(|()| write_pieces(out, &[" path=\"", self.path, "\" status="]))
            .and_then(|()| out.write_str(itoa::Buffer::new().format(self.status)))
            .and_then(|()| out.write_str(" latency_ms="))
            .and_then(|()| write_thousandths(out, whole, fraction))
            .and_then(|()| write_pieces(out, &[" account=\"", self.account, "\"\n"]));
        written.is_ok()
    }
}

/// Up to 64 bytes of text, on the stack; writing more fails.
struct ShortText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for ShortText {
    fn default() -> Self {
        ShortText { bytes: [0; 64], len: 0 }
    }
}

impl ShortText {
    fn written(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.written()).unwrap_or_default()
    }
}

impl fmt::Write for ShortText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        let free = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        free.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A float that is a whole number of thousandths below a billion (a
/// latency in milliseconds, to the microsecond), as its whole part and
/// thousandths; `None` for any other value. `{:?}` of such a float is
/// exactly its decimal with the trailing zeros of the fraction dropped,
/// which [`write_thousandths`] writes without the float formatter.
fn thousandths(value: f64) -> Option<(u64, u32)> {
    if !(value.is_sign_positive() && value < 1e9) {
        return None;
    }
    let scaled = (value * 1000.0).round();
    if scaled / 1000.0 != value {
        return None;
    }
    let scaled = scaled as u64;
    Some((scaled / 1000, (scaled % 1000) as u32))
}

/// `12.5`, `0.107`, `3.0`: as `{:?}` writes the float.
fn write_thousandths(w: &mut impl fmt::Write, whole: u64, fraction: u32) -> fmt::Result {
    let digits = [
        b'0' + (fraction / 100) as u8,
        b'0' + (fraction / 10 % 10) as u8,
        b'0' + (fraction % 10) as u8,
    ];
    let kept = match digits {
        [_, b'0', b'0'] => 1,
        [_, _, b'0'] => 2,
        _ => 3,
    };
    let fraction = std::str::from_utf8(&digits[..kept]).unwrap_or("0");
    write_pieces(w, &[itoa::Buffer::new().format(whole), ".", fraction])
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Where a test subscriber writes its lines.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl MakeWriter<'_> for Lines {
        type Writer = Lines;

        fn make_writer(&self) -> Lines {
            self.clone()
        }
    }

    #[derive(Debug)]
    struct Failure(Option<Box<Failure>>);

    impl fmt::Display for Failure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(if self.0.is_some() { "outer failure" } else { "inner \x1b failure" })
        }
    }

    impl std::error::Error for Failure {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.0.as_deref().map(|inner| inner as _)
        }
    }

    /// One of each kind of field, in strings that need escaping or not.
    fn every_kind_of_field() {
        let error = Failure(Some(Box::new(Failure(None))));
        let lone = Failure(None);
        tracing::info!(
            method = %"POST",
            path = "/v2/batches",
            status = 201u16,
            latency_ms = 0.286,
            account = "ip1-20001",
            "request"
        );
        tracing::warn!(quoted = "say \"hi\"", slash = "a\\b", tab = "a\tb", bell = "\u{7}");
        tracing::warn!(accented = "Malmö", emoji = "📱", control = "\u{9b}31m", empty = "");
        tracing::error!(negative = -5i64, big = u64::MAX, nought = 0u64, ten = 10u64, yes = true, no = false, ratio = 1e-7,
            whole = 3.0, half = 0.5, zero = 0.0, below = -0.0, r#debug = ?0.25);
        tracing::error!(error = &error as &(dyn std::error::Error + 'static), "failed: {}", 3);
        tracing::error!(error = &lone as &(dyn std::error::Error + 'static));
        tracing::info!(r#type = "message", debugged = ?Some("x"), shown = %"tab\there");
        tracing::info!("message \u{1b}[31m only");
        tracing::info!(
            "a message of {} bytes, more than a short text holds, goes to the visitor: {}",
            79,
            "whole"
        );
        tracing::info!(message = "a message field", after = 1);
    }

    fn written_by(fields: Option<LineFields>) -> String {
        let lines = Lines::default();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(false)
            .without_time()
            .with_writer(lines.clone());
        match fields {
            Some(fields) => {
                let subscriber = tracing_subscriber::registry().with(layer.fmt_fields(fields));
                tracing::subscriber::with_default(subscriber, every_kind_of_field);
            }
            None => {
                let subscriber = tracing_subscriber::registry().with(layer);
                tracing::subscriber::with_default(subscriber, every_kind_of_field);
            }
        }
        String::from_utf8(lines.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn lines_read_as_tracing_subscribers_own() {
        let ours = written_by(Some(LineFields));
        let theirs = written_by(None);
        assert_eq!(ours.lines().count(), 10, "{ours}");
        assert!(
            ours.contains(r#"INFO request method=POST path="/v2/batches" status=201"#),
            "{ours}"
        );
        assert_eq!(ours, theirs);
    }

    /// A time fixed for the test's lines.
    struct At(std::time::Duration);

    impl FormatTime for At {
        fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
            write_time(w, self.0.as_secs(), self.0.subsec_micros())
        }
    }

    /// The line tracing-subscriber writes for `line`, as the emulator's
    /// subscriber is set up without colours.
    fn written_by_tracing(line: &RequestLine<'_>, at: std::time::Duration) -> String {
        let lines = Lines::default();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(false)
            .with_timer(At(at))
            .with_writer(lines.clone())
            .fmt_fields(LineFields);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            crate::telemetry::trace_request_line(line)
        });
        String::from_utf8(lines.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn request_lines_written_directly_read_as_tracing_writes_them() {
        let at = std::time::Duration::new(1_796_200_150, 857_817_123);
        let mut direct = 0;
        for method in ["GET", "POST", "DELETE", "PURGE", "M\u{e9}THOD"] {
            for path in
                ["/api/me", "/v2/batches", "/", "/a\"b", "/a\\b", "/a\tb", "/Malm\u{f6}", ""]
            {
                for account in ["-", "ip1-10001", "", "say \"hi\"", "\u{7}"] {
                    for latency_micros in [
                        0,
                        1,
                        10,
                        100,
                        107,
                        286,
                        1000,
                        12_500,
                        999_999_999_999,
                        1_000_000_000_000,
                        u64::MAX,
                    ] {
                        for status in [200, 201, 0, 503, 65535] {
                            let line =
                                RequestLine { method, path, status, latency_micros, account };
                            let mut ours = String::new();
                            if line.write(&mut ours, at) {
                                direct += 1;
                                assert_eq!(ours, written_by_tracing(&line, at));
                            } else {
                                assert_eq!(ours, "", "nothing written when tracing writes it");
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(
            direct,
            4 * 4 * 3 * 9 * 5,
            "the lines without anything to escape are written directly"
        );
        let line = RequestLine {
            method: "GET",
            path: "/api/me",
            status: 200,
            latency_micros: 286,
            account: "ip1-10001",
        };
        let mut ours = String::new();
        assert!(line.write(&mut ours, at));
        assert_eq!(
            ours,
            "2026-12-02T08:29:10.857817Z  INFO request method=GET path=\"/api/me\" status=200 latency_ms=0.286 account=\"ip1-10001\"\n"
        );
    }

    #[test]
    fn thousandths_read_as_the_float_formatter_writes_them() {
        let mut values: Vec<f64> = (0..2_000_000u32).map(|n| f64::from(n) / 1000.0).collect();
        values.extend((0..2_000u64).map(|n| (n * 499_999_999 % 999_999_999_999) as f64 / 1000.0));
        values.extend([0.28635600000000003, 1e-7, 0.0005, -0.0, -5.0, 999_999_999.999, 1e9, 3e15]);
        values.extend([f64::NAN, f64::INFINITY, f64::MIN_POSITIVE, 123.4567, 0.1 + 0.2]);
        for value in values {
            let mut written = String::new();
            match thousandths(value) {
                Some((whole, fraction)) => {
                    write_thousandths(&mut Writer::new(&mut written), whole, fraction).unwrap()
                }
                None => written = format!("{value:?}"),
            }
            assert_eq!(written, format!("{value:?}"), "{value}");
        }
        assert_eq!(thousandths(0.107), Some((0, 107)));
        assert_eq!(thousandths(12.5), Some((12, 500)));
        assert_eq!(thousandths(0.28635600000000003), None);
        assert_eq!(thousandths(-0.0), None);
    }

    #[test]
    fn times_read_as_rfc_3339_to_the_microsecond_from_one_second_to_the_next() {
        for (secs, micros) in
            [(1_796_200_150, 857_817), (1_796_200_150, 5), (1_796_200_151, 0), (0, 999_999)]
        {
            let mut written = String::new();
            write_time(&mut written, secs, micros).unwrap();
            let expected = chrono::DateTime::from_timestamp(secs as i64, micros * 1000)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(written, expected);
        }
    }
}
