"""Schemathesis hooks for smsmock's API check (scripts/schemathesis.sh).

Viamobile's JSON endpoints and /token/create take their credentials in the
body or the query, where no --auth option reaches; these hooks put the
default fixture account's credentials there so that the generated requests
get past authentication and exercise the endpoints themselves.

They also keep generated requests within the rules an OpenAPI document
cannot state, so that a request the document calls valid is one the
emulator accepts: a delivery window closes after it opens, a text sent
with `datacoding` `gsm` fits the GSM alphabet (the generated one is left
to the default coding), a Viamobile sender is one of the account's, and
every Viamobile recipient has a text, its own or the message's, and a
number with a prefix Viamobile serves; and a clock is moved by at most a
day at a time, so that no run of calls passes the end of year 9999; and a
sub-account's rename carries the ID of its path; a landing page element is
read and changed under the page it was added to; an older-API send comes
from a registered sender and has a recipient; a callback URL's host is
one that can be called; and a lookup's `wait` is cut to nothing, so the check
does not sit out the timeouts.
"""

import re
from datetime import datetime, timedelta, timezone

import schemathesis

USERNAME = "test"
PASSWORD = "test"
BODY_CREDENTIALS = ("/json/send", "/json/validate", "/json/delivery", "/json/msisdnstatus")
VIAMOBILE_SENDERS = ("InfoSMS", "Acme")
VIAMOBILE_SENDS = ("/json/send", "/json/validate")
VIAMOBILE_NUMBER = "421903123456"
IP1_SENDERS = ("iP1", "iP1sms", "Acme", "46101606060")
IP1_NUMBER = "46701234567"


def _has_text(item):
    return isinstance(item, dict) and item.get("text") not in (None, "")


def _viamobile_send(body):
    """A known sender, and a text for every recipient."""
    if not isinstance(body, dict):
        return
    message = body.get("message")
    if isinstance(message, dict):
        sender = message.get("sender")
        if isinstance(sender, str) and sender not in VIAMOBILE_SENDERS:
            message["sender"] = VIAMOBILE_SENDERS[0]
    recipients = body.get("recipients")
    items = recipients.values() if isinstance(recipients, dict) else recipients
    for item in items if isinstance(items, (list, type({}.values()))) else ():
        number = item.get("msisdn") if isinstance(item, dict) else None
        if isinstance(number, (int, str)) and not str(number).startswith("421"):
            item["msisdn"] = VIAMOBILE_NUMBER
    if not isinstance(items, (list, type({}.values()))) or _has_text(message):
        return
    if any(not _has_text(item) for item in items):
        if isinstance(message, dict):
            message["text"] = "Hello"
        elif message is None:
            body["message"] = {"text": "Hello"}


def _time(text):
    """An ISO-8601 time (UTC when it has no offset), or None."""
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _windows_close_after_they_open(body):
    windows = body.get("deliveryWindows") if isinstance(body, dict) else None
    if not isinstance(windows, list):
        return
    for window in windows:
        if not isinstance(window, dict):
            continue
        opens, closes = _time(window.get("opens")), _time(window.get("closes"))
        if opens and closes and closes <= opens:
            try:
                window["closes"] = (opens + timedelta(hours=1)).isoformat()
            except OverflowError:
                window["opens"] = (closes - timedelta(hours=1)).isoformat()


# A lookup's `wait` (up to 60 s) is honoured; the check does not wait.
WAIT = re.compile(r"^\s*(0*([0-9]|[1-5][0-9]|60)s?|0*([0-9]{1,4}|[1-5][0-9]{4}|60000)ms|0*[01]m)\s*$")

URL_FIELDS = ("deliveryReportUrl", "deliveryPushUrl", "incomingPushUrl", "incomingCallbackUrl")
URL_PATTERN = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+")

# The page each landing page element was added to, by element id.
ELEMENT_PAGES = {}


def _reachable_host(body, field):
    """A URL the document allows whose host is not ASCII may not be a host
    name at all (IDNA refuses control and unassigned characters): such a
    URL is made one that can be called."""
    url = body.get(field)
    if isinstance(url, str) and URL_PATTERN.match(url) and not url.isascii():
        body[field] = "https://example.com/callback"


@schemathesis.hook
def after_call(ctx, case, response):
    if case.operation.path == "/v2/landings/{landing}/elements" and response.status_code == 201:
        try:
            ELEMENT_PAGES[response.json()["id"]] = case.path_parameters["landing"]
        except (ValueError, KeyError, TypeError):
            pass


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Runs for the cases of every phase, generated or not."""
    path = case.operation.path
    if isinstance(case.body, dict) and path.endswith(BODY_CREDENTIALS):
        case.body["username"] = USERNAME
        case.body["password"] = PASSWORD
    if path.endswith("/token/create"):
        case.query = dict(case.query or {})
        case.query["username"] = USERNAME
        case.query["password"] = PASSWORD
    if path.endswith(VIAMOBILE_SENDS):
        _viamobile_send(case.body)
    if path.endswith("/get/send") and isinstance(case.query, dict):
        sender = case.query.get("sender")
        if isinstance(sender, str) and sender not in VIAMOBILE_SENDERS:
            case.query["sender"] = VIAMOBILE_SENDERS[0]
        if isinstance(case.query.get("msisdn"), str):
            case.query["msisdn"] = VIAMOBILE_NUMBER
    if path == "/_mock/clock/advance" and isinstance(case.body, dict):
        seconds = case.body.get("seconds")
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 86400:
            case.body["seconds"] = 86400
        duration = case.body.get("duration")
        if isinstance(duration, str) and any(c.isdigit() for c in duration):
            case.body["duration"] = "PT10M"
    if isinstance(case.query, dict) and isinstance(case.query.get("wait"), str):
        if WAIT.match(case.query["wait"]):
            case.query["wait"] = "0"
    if path == "/api/me/children/{child}" and case.method.upper() == "PUT":
        # The body's ID must be the path's.
        if isinstance(case.body, dict) and isinstance(case.path_parameters, dict):
            case.body["ID"] = case.path_parameters.get("child")
    if path == "/v2/landings/{landing}/elements/{element}":
        # An element is found under its own page only.
        element = (case.path_parameters or {}).get("element")
        if element in ELEMENT_PAGES:
            case.path_parameters["landing"] = ELEMENT_PAGES[element]
    if isinstance(case.body, dict):
        for field in URL_FIELDS:
            _reachable_host(case.body, field)
    if path == "/api/sms/send" and isinstance(case.body, dict):
        # A registered sender, and at least one recipient.
        if case.body.get("From") not in IP1_SENDERS:
            case.body["From"] = IP1_SENDERS[0]
        # (Contacts may be skipped for their phones and numbers may have
        # been blacklisted earlier in the run, so one number is sure.)
        numbers = case.body.get("Numbers")
        numbers = numbers if isinstance(numbers, list) else []
        case.body["Numbers"] = numbers + [IP1_NUMBER]
    if path == "/v2/batches":
        _windows_close_after_they_open(case.body)
        if isinstance(case.body, dict) and str(case.body.get("datacoding")).lower() in ("gsm", "0"):
            del case.body["datacoding"]
