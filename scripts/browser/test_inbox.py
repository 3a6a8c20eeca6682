"""The web inbox, tested in headless Chromium as a person would use it.

Each test starts its own emulator (manual clock) on a free port, opens the
inbox, and checks what the page shows as the emulator changes, without
reloading. It fails on any error in the browser's console. A screenshot of
each page is saved for a person to look at.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
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


def call(base, method, path, body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Emulator:
    def __enter__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [BINARY, "--port", str(self.port), "--clock", "manual", "--log-level", "warn"],
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
    assert row.find_elements(By.TAG_NAME, "td")[-1].text == "101", row.text
    # Its status follows the clock, still without a reload.
    call(emulator.base, "POST", "/_mock/clock/advance", {"seconds": 60})
    wait.until(lambda d: row.find_elements(By.TAG_NAME, "td")[-1].text == "201")
    assert driver.execute_script("return window.notReloaded === true;"), "the page reloaded"
    driver.save_screenshot(str(SHOTS / "messages.png"))
    # Filtering goes to the server and keeps the live list.
    driver.find_element(By.NAME, "recipient").send_keys("46700000000")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    wait.until(seen.visibility_of_element_located((By.ID, "empty")))
    driver.save_screenshot(str(SHOTS / "messages-filtered.png"))
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
    driver.save_screenshot(str(SHOTS / "phone.png"))
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
    driver.save_screenshot(str(SHOTS / "accounts.png"))
    no_console_errors(driver)


def main():
    tests = [
        test_the_inbox_shows_a_sent_message_live,
        test_a_reply_from_the_phone_page_arrives_and_stop_blacklists,
        test_the_accounts_page_moves_a_clock_and_resets_an_account,
    ]
    failed = 0
    for test in tests:
        with Emulator() as emulator:
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
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
