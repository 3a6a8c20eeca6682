"""The web inbox, tested in headless Chromium as a person would use it.

Each test starts its own emulator (manual clock) on a free port, opens the
inbox, and checks what the page shows as the emulator changes, without
reloading. It fails on any error in the browser's console. A screenshot of
each page is saved for a person to look at.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

BINARY, SHOTS = sys.argv[1], Path(sys.argv[2])
KEY = "ip1-default-key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, key=None, token=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


# Everything the browsers write (their profiles, downloads and scratch
# files) goes under one directory, removed when the tests end.
SCRATCH = tempfile.TemporaryDirectory(prefix="smsmock-browser-", ignore_cleanup_errors=True)
os.environ["TMPDIR"] = SCRATCH.name
DOWNLOADS = Path(SCRATCH.name) / "downloads"
DOWNLOADS.mkdir()


def browser():
    options = webdriver.ChromeOptions()
    options.add_experimental_option("prefs", {"download.default_directory": str(DOWNLOADS)})
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Emulator:
    def __init__(self, *extra):
        self.extra = list(extra)

    def __enter__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [BINARY, "--port", str(self.port), "--clock", "manual", "--log-level", "warn",
             *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                call(self.base, "GET", "/_mock/health")
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the emulator did not start")

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=10)


def shoot(driver, name):
    """Saves a screenshot of the whole page (up to 3,000 px tall)."""
    height = driver.execute_script("return document.documentElement.scrollHeight;")
    driver.set_window_size(1280, min(max(height + 120, 900), 3000))
    driver.execute_script("window.scrollTo(0, 0);")
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1280, 900)


def no_console_errors(driver):
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"errors in the console: {errors}"


def test_the_inbox_shows_a_sent_message_live(driver, emulator):
    driver.get(emulator.base + "/")
    assert driver.current_url == emulator.base + "/_mock/ui/", driver.current_url
    wait = WebDriverWait(driver, 10)
    wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    # A mark on the page: a reload would wipe it.
    driver.execute_script("window.notReloaded = true;")
    text = f"Your code is {int(time.time()) % 1000000:06d}"
    call(emulator.base, "POST", "/v2/batches",
         {"sender": "iP1", "recipients": ["46701234567"], "body": text}, key=KEY)
    row = wait.until(seen.presence_of_element_located(
        (By.XPATH, f"//tbody/tr[td[contains(., '{text}')]]")))
    assert "46701234567" in row.text, row.text
    assert row.find_elements(By.TAG_NAME, "td")[-1].text == "101 Accepted", row.text
    # Its status follows the clock, still without a reload.
    call(emulator.base, "POST", "/_mock/clock/advance", {"seconds": 60})
    wait.until(lambda d: row.find_elements(By.TAG_NAME, "td")[-1].text == "201 DeliveredToHandset")
    assert driver.execute_script("return window.notReloaded === true;"), "the page reloaded"
    shoot(driver, "messages")
    # On a phone's screen the page fits its width (wide tables scroll
    # inside their box).
    driver.set_window_size(390, 844)
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    assert overflow <= 0, f"the page is {overflow} px wider than a phone's screen"
    driver.save_screenshot(str(SHOTS / "messages-phone.png"))
    driver.set_window_size(1280, 900)
    # Filtering goes to the server and keeps the live list.
    driver.find_element(By.NAME, "phone").send_keys("46700000000")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    wait.until(seen.visibility_of_element_located((By.ID, "empty")))
    shoot(driver, "messages-filtered")
    no_console_errors(driver)


def test_a_reply_from_the_phone_page_arrives_and_stop_blacklists(driver, emulator):
    call(emulator.base, "POST", "/v2/batches",
         {"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 482913"}, key=KEY)
    driver.get(emulator.base + "/_mock/ui/phone?msisdn=46701234567")
    wait = WebDriverWait(driver, 10)
    wait.until(seen.text_to_be_present_in_element((By.ID, "code"), "482913"))
    wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    # A new message arrives in the thread live, and its code is shown.
    call(emulator.base, "POST", "/v2/batches",
         {"sender": "Acme", "recipients": ["46701234567"], "body": "New code 771204"}, key=KEY)
    wait.until(seen.text_to_be_present_in_element((By.ID, "code"), "771204"))
    reply = driver.find_element(By.NAME, "body")
    reply.send_keys("Hello back")
    reply.submit()
    wait.until(seen.presence_of_element_located(
        (By.XPATH, "//ol[@id='thread']/li[contains(@class,'mo')][contains(., 'Hello back')]")))
    reply = driver.find_element(By.NAME, "body")
    reply.send_keys("STOP")
    reply.submit()
    wait.until(seen.text_to_be_present_in_element((By.ID, "note"), "blacklist"))
    entry = call(emulator.base, "GET", "/v2/blacklist/46701234567", key=KEY)
    assert entry["msisdn"] == "46701234567", entry
    incoming = call(emulator.base, "GET", "/_mock/messages?sender=46701234567")
    assert [m["text"] for m in incoming] == ["STOP", "Hello back"], incoming
    shoot(driver, "phone")
    no_console_errors(driver)


def press(driver, path):
    """Clicks the button at `path`, found afresh: the page redraws its rows
    as events arrive."""
    for _ in range(20):
        try:
            driver.find_element(By.XPATH, path).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"{path} kept changing")


def test_the_accounts_page_moves_a_clock_and_resets_an_account(driver, emulator):
    call(emulator.base, "POST", "/v2/batches",
         {"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}, key=KEY)
    driver.get(emulator.base + "/_mock/ui/accounts")
    wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
    wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    row_path = "//tr[@data-account='ip1-10001']"
    row = wait.until(seen.presence_of_element_located((By.XPATH, row_path)))
    assert "ip1-default-key" in row.text and "SEK" in row.text, row.text
    before = call(emulator.base, "GET", "/_mock/clock?account=ip1-10001")["now"]
    press(driver, row_path + "//button[.='+1 h']")
    wait.until(lambda d: call(emulator.base, "GET", "/_mock/clock?account=ip1-10001")["now"] != before)
    # The message sent before moved on with the clock: delivered.
    messages = call(emulator.base, "GET", "/_mock/messages?account=ip1-10001")
    assert messages[0]["status"] == 201, messages
    press(driver, row_path + "//button[.='realtime']")
    wait.until(lambda d: "realtime" in d.find_element(By.XPATH, row_path + "//small").text)
    press(driver, row_path + "//button[.='reset']")
    wait.until(lambda d: call(emulator.base, "GET", "/_mock/messages?account=ip1-10001") == [])
    wait.until(lambda d: "manual" in d.find_element(By.XPATH, row_path + "//small").text)
    shoot(driver, "accounts")
    no_console_errors(driver)


class Receiver:
    """A delivery-report receiver on a free port: answers 200, keeps what
    it got."""

    def __enter__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"] or 0))
                received.append(json.loads(body or b"null"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dlr"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_):
        self.server.shutdown()


def choose(driver, form, preset):
    """Picks a ready-made entry in a Scenarios form and submits the form."""
    select = driver.find_element(By.CSS_SELECTOR, f"{form} select.preset")
    select.find_element(By.XPATH, f".//option[.='{preset}']").click()
    driver.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()


def outcomes(driver):
    """The attempts table of the Message page: (reported code, outcome)."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#attempts tbody tr")
    return [(r.find_elements(By.TAG_NAME, "td")[2].text.split()[0], r.get_attribute("data-outcome"))
            for r in rows]


def test_a_message_shows_its_timeline_and_retried_reports(driver, emulator):
    wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
    # A failure script, added on the Scenarios page.
    driver.get(emulator.base + "/_mock/ui/scenarios")
    wait.until(seen.text_to_be_present_in_element((By.ID, "scripts"), "None."))
    choose(driver, "#script-form", "Fail the first 2 attempts before sending")
    wait.until(seen.text_to_be_present_in_element((By.ID, "scripts"), "the first 2 attempts fail"))
    with Receiver() as receiver:
        call(emulator.base, "POST", "/v2/batches",
             {"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 482913",
              "deliveryReportUrl": receiver.url}, key=KEY)
        # From the list to the message's page.
        driver.get(emulator.base + "/_mock/ui/")
        wait.until(seen.element_to_be_clickable((By.LINK_TEXT, "Your code is 482913"))).click()
        wait.until(seen.text_to_be_present_in_element((By.ID, "text"), "Your code is 482913"))
        wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
        driver.execute_script("window.notReloaded = true;")
        # The first attempts fail as scripted; the page says when the retry is due.
        press(driver, "//span[@id='advance']/button[.='+1 min']")
        wait.until(lambda d: outcomes(d) == [("101", "failed"), ("102", "failed"), ("201", "failed")])
        wait.until(seen.text_to_be_present_in_element((By.ID, "pending"), "due at"))
        assert receiver.received == [], "failed before sending: the receiver saw nothing"
        # An hour later each report was tried twice more: failed, then delivered.
        press(driver, "//span[@id='advance']/button[.='+1 h']")
        wait.until(lambda d: len(outcomes(d)) == 9)
        by_code = {}
        for code, outcome in outcomes(driver):
            by_code.setdefault(code, []).append(outcome)
        for code in ("101", "102", "201"):
            assert by_code[code] == ["failed", "failed", "delivered"], by_code
        assert [r["code"] for r in receiver.received] == [101, 102, 201], receiver.received
        assert driver.find_element(By.ID, "pending").text == ""
        # The timeline draws every status and attempt.
        assert len(driver.find_elements(By.CSS_SELECTOR, "#timeline .mark circle")) == 3
        assert len(driver.find_elements(By.CSS_SELECTOR, "#timeline .mark.attempt.final-bad")) == 6
        assert len(driver.find_elements(By.CSS_SELECTOR, "#timeline .mark.attempt.final-ok")) == 3
        assert "DeliveredToHandset" in driver.find_element(By.ID, "statuses").text
        # Redeliver sends the last report once more, by hand.
        press(driver, "(//table[@id='attempts']//button[.='Redeliver'])[last()]")
        wait.until(lambda d: len(outcomes(d)) == 10)
        wait.until(lambda d: len(receiver.received) == 4)
        assert "by hand" in driver.find_element(By.ID, "attempts").text
        assert driver.execute_script("return window.notReloaded === true;"), "the page reloaded"
        shoot(driver, "message")
    no_console_errors(driver)


def test_a_fault_added_on_the_scenarios_page_makes_the_next_send_fail(driver, emulator):
    wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
    driver.get(emulator.base + "/_mock/ui/scenarios")
    wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    choose(driver, "#fault-form", "Fail the next 2 sends with 503")
    wait.until(seen.text_to_be_present_in_element((By.ID, "faults"), "answer 503"))
    batch = {"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}
    for _ in range(2):
        try:
            call(emulator.base, "POST", "/v2/batches", batch, key=KEY)
            raise AssertionError("the send should have failed")
        except urllib.error.HTTPError as error:
            assert error.code == 503, error.code
    assert call(emulator.base, "POST", "/v2/batches", batch, key=KEY)["id"]
    # The page follows the rule's hits live.
    wait.until(seen.text_to_be_present_in_element((By.ID, "faults"), "hit 2 times"))
    choose(driver, "#rule-form", "Numbers starting 4670000 are undeliverable")
    wait.until(seen.text_to_be_present_in_element((By.ID, "rules"), "to 4670000*: undeliverable"))
    assert call(emulator.base, "GET", "/_mock/rules")[0]["outcome"] == "undeliverable"
    shoot(driver, "scenarios")
    # Deleted from the page, gone from the emulator.
    press(driver, "//ul[@id='faults']//button[.='Delete']")
    wait.until(seen.text_to_be_present_in_element((By.ID, "faults"), "None."))
    assert call(emulator.base, "GET", "/_mock/faults") == []
    no_console_errors(driver)


def test_the_requests_page_shows_calls_live_with_their_bodies(driver, emulator):
    wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
    driver.get(emulator.base + "/_mock/ui/requests")
    wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    sent = call(emulator.base, "POST", "/v2/batches",
                {"sender": "iP1", "recipients": ["46701234567"], "body": "Hi"}, key=KEY)
    path = wait.until(seen.element_to_be_clickable(
        (By.XPATH, "//table[@id='requests']//button[.='/v2/batches']")))
    row = path.find_element(By.XPATH, "./ancestor::tr")
    assert "201" in row.text and "ip1-10001" in row.text, row.text
    path.click()
    detail = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, "tr.detail")))
    assert "authorization: Bearer ***" in detail.text, detail.text
    assert KEY not in detail.text, "the key is masked"
    assert sent["id"] in detail.text, "the answer's body is shown"
    shoot(driver, "requests")
    no_console_errors(driver)


def test_the_state_page_downloads_and_uploads_a_snapshot(driver, emulator):
    wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
    call(emulator.base, "POST", "/v2/batches",
         {"sender": "iP1", "recipients": ["46701234567"], "body": "Keep me"}, key=KEY)
    driver.get(emulator.base + "/_mock/ui/state")
    wait.until(seen.text_to_be_present_in_element((By.ID, "summary"), "1 message."))
    for old in DOWNLOADS.glob("*"):
        old.unlink()
    driver.find_element(By.ID, "download").click()
    wait.until(lambda d: [f for f in DOWNLOADS.glob("smsmock-state-*.json")])
    snapshot = next(DOWNLOADS.glob("smsmock-state-*.json"))
    wait.until(lambda d: json.loads(snapshot.read_text() or "null") is not None)
    call(emulator.base, "DELETE", "/_mock/reset")
    wait.until(seen.text_to_be_present_in_element((By.ID, "summary"), "0 messages"))
    driver.find_element(By.NAME, "snapshot").send_keys(str(snapshot))
    driver.find_element(By.CSS_SELECTOR, "#upload button").click()
    wait.until(seen.text_to_be_present_in_element((By.ID, "note"), "Imported"))
    wait.until(seen.text_to_be_present_in_element((By.ID, "summary"), "1 message."))
    assert call(emulator.base, "GET", "/_mock/messages")[0]["text"] == "Keep me"
    shoot(driver, "state")
    no_console_errors(driver)


TOKEN = "let-me-in"


def test_with_a_control_token_the_inbox_asks_for_it_once(driver, emulator):
    wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
    driver.get(emulator.base + "/_mock/ui/")
    field = wait.until(seen.presence_of_element_located((By.NAME, "token")))
    field.send_keys(TOKEN)
    field.submit()
    wait.until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    call(emulator.base, "POST", "/v2/batches",
         {"sender": "iP1", "recipients": ["46701234567"], "body": "Behind a token"}, key=KEY)
    wait.until(seen.presence_of_element_located((By.LINK_TEXT, "Behind a token")))
    assert not driver.find_elements(By.NAME, "token"), "asked once"
    # Only the 401 before the token was given is in the console.
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "401" not in e["message"]]
    assert not errors, f"errors in the console: {errors}"


def main():
    tests = [
        (test_the_inbox_shows_a_sent_message_live, ()),
        (test_a_reply_from_the_phone_page_arrives_and_stop_blacklists, ()),
        (test_the_accounts_page_moves_a_clock_and_resets_an_account, ()),
        (test_a_message_shows_its_timeline_and_retried_reports, ()),
        (test_a_fault_added_on_the_scenarios_page_makes_the_next_send_fail, ()),
        (test_the_requests_page_shows_calls_live_with_their_bodies, ()),
        (test_the_state_page_downloads_and_uploads_a_snapshot, ()),
        (test_with_a_control_token_the_inbox_asks_for_it_once, ("--control-token", TOKEN)),
    ]
    only = sys.argv[3:]
    failed = 0
    for test, extra in tests:
        if only and not any(name in test.__name__ for name in only):
            continue
        with Emulator(*extra) as emulator:
            driver = browser()
            try:
                test(driver, emulator)
                print(f"ok   {test.__name__}")
            except Exception as error:  # noqa: BLE001 - every failure is reported
                failed += 1
                driver.save_screenshot(str(SHOTS / f"failed-{test.__name__}.png"))
                print(f"FAIL {test.__name__}: {error!r}")
            finally:
                driver.quit()
    SCRATCH.cleanup()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
