#!/usr/bin/env python3
"""gp-report's page in a real browser: headless Chromium driven by Selenium.

    test_report.py TOOLS_DIR SOURCE_DIR WORK_DIR

Builds the seeds' report (gp-lint --format=json, gp-extract | gp-norm, gp-dedup
--clusters) and a report of records holding hostile markup, opens them from disk and
checks what a curator relies on: no console error, no request for anything but the file
itself, the charts, the findings and duplicates shown, the decisions a curator clicks
downloaded as a file that gp-dedup honours (229 records, ZUS kept apart), an accepted fix
carrying `was:`, and no script of a dump ever running. A screenshot of the overview is
saved under WORK_DIR for a person to look at.

Exit status 77 (ctest: skipped) only when Chromium or Selenium is missing.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("SKIPPED: python3-selenium is not installed (bash scripts/dev installs it)")
    sys.exit(77)

TOOLS, SOURCE, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
del sys.argv[1:4]
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not (os.path.exists(CHROMEDRIVER) and os.path.exists(CHROMIUM)):
    print("SKIPPED: chromium or chromium-driver is not installed (bash scripts/dev installs them)")
    sys.exit(77)

KOREA_PAIRS = ["gp-0cc14dacd4e077d8 gp-fe25bd56c465b3cd", "gp-d62d7a57ce8e9ccf gp-f8094f135f02a9e7"]
ZUS_PAIR = "gp-3e835a275efa1eff gp-8eb1eae84c95d04b"
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea>"]


def tool(name, *args, stdout=None, check=True):
    return subprocess.run([os.path.join(TOOLS, name), *args], cwd=SOURCE, stdout=stdout,
                          stderr=subprocess.PIPE, check=check, timeout=120)


def build_report(folder, records, dumps=None):
    """findings, clusters and dataset of `records` (JSONL or dumps), and the page."""
    os.makedirs(folder, exist_ok=True)
    p = lambda name: os.path.join(folder, name)
    with open(p("findings.jsonl"), "wb") as out:
        tool("gp-lint", "--format=json", *(dumps or records), stdout=out, check=False)
    with open(p("records.jsonl"), "wb") as out:
        tool("gp-extract", *(dumps or records), stdout=out, check=False)
    with open(p("canonical.jsonl"), "wb") as out:
        tool("gp-norm", p("records.jsonl"), stdout=out, check=False)
    with open(p("dataset.jsonl"), "wb") as out:
        tool("gp-dedup", "--clusters", p("clusters.jsonl"), p("canonical.jsonl"), stdout=out)
    tool("gp-report", "--lint", p("findings.jsonl"), "--clusters", p("clusters.jsonl"),
         "-o", p("report.html"), p("dataset.jsonl"))
    return p("report.html")


class ReportInBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        seeds = sorted(glob.glob(os.path.join(SOURCE, "fixtures/seeds/*.txt")))
        seeds = [os.path.relpath(s, SOURCE) for s in seeds]
        cls.seeds_dir = os.path.join(WORK, "seeds")
        cls.seeds = build_report(cls.seeds_dir, None, seeds)
        p = lambda name: os.path.join(cls.seeds_dir, name)
        cls.with_decisions = p("report-with-decisions.html")
        tool("gp-report", "--lint", p("findings.jsonl"), "--clusters", p("clusters.jsonl"),
             "--decisions", "fixtures/decisions/all-kinds.yaml", "-o", cls.with_decisions,
             p("dataset.jsonl"))
        cls.injection = build_report(os.path.join(WORK, "injection"),
                                     ["fixtures/report/injection.jsonl"])
        cls.profile = tempfile.mkdtemp(prefix="gp-chromium-")
        cls.downloads = os.path.join(WORK, "downloads")
        shutil.rmtree(cls.downloads, ignore_errors=True)
        os.makedirs(cls.downloads)
        o = Options()
        o.binary_location = CHROMIUM
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000",
                  "--user-data-dir=" + cls.profile):
            o.add_argument(a)
        o.add_experimental_option("prefs", {"download.default_directory": cls.downloads,
                                            "download.prompt_for_download": False})
        o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        o.set_capability("unhandledPromptBehavior", "ignore")
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        cls.driver.set_page_load_timeout(60)
        cls.driver.set_script_timeout(30)
        cls.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                   {"behavior": "allow", "downloadPath": cls.downloads})
        # count dialogs even if one were dismissed by the driver
        cls.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
            window.__dialogs = 0;
            for (const n of ['alert', 'confirm', 'prompt'])
              window[n] = function () { window.__dialogs++; };"""})

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        shutil.rmtree(cls.profile, ignore_errors=True)

    def open(self, path):
        d = self.driver
        d.get_log("browser")
        d.get_log("performance")
        d.execute_script("try { localStorage.clear(); } catch (e) {}") if d.current_url.startswith("file:") else None
        d.get("file://" + path)
        WebDriverWait(d, 30).until(
            lambda d: d.execute_script("return document.documentElement.getAttribute('data-ready')") == "true")

    def assert_clean_console(self):
        errors = [e for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        self.assertEqual(errors, [], "console messages")

    def requested_urls(self):
        urls = []
        for e in self.driver.get_log("performance"):
            m = json.loads(e["message"])["message"]
            if m.get("method") == "Network.requestWillBeSent":
                urls.append(m["params"]["request"]["url"])
        return urls

    def click_pair(self, pair, which, reason=None, keyboard=False):
        card = self.driver.find_element(By.CSS_SELECTOR, 'article[data-pair="%s"]' % pair)
        if reason:
            card.find_element(By.CSS_SELECTOR, "input.reason").send_keys(reason)
        button = card.find_element(By.CSS_SELECTOR, "button." + which)
        if keyboard:  # a real button: focus and the space bar decide
            self.driver.execute_script("arguments[0].focus()", button)
            self.driver.switch_to.active_element.send_keys(Keys.SPACE)
        else:
            button.click()
        self.assertEqual(button.get_attribute("aria-pressed"), "true")

    def download(self):
        for f in glob.glob(os.path.join(self.downloads, "*")):
            os.remove(f)
        self.driver.find_element(By.ID, "download").click()
        path = os.path.join(self.downloads, "decisions.yaml")
        for _ in range(100):
            if os.path.exists(path) and not glob.glob(path + "*.crdownload"):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if text:
                    return path, text
            time.sleep(0.1)
        self.fail("decisions.yaml was not downloaded")

    # ---- the tests ----

    def test_seeds_page_loads_clean_and_offline(self):
        self.open(self.seeds)
        urls = self.requested_urls()
        self.assertTrue(urls, "the performance log saw no request at all")
        other = [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]
        self.assertEqual(other, [], "requests for anything but the page")
        self.assert_clean_console()
        charts = self.driver.find_elements(By.CSS_SELECTOR, "#overview figure.chart svg[role=img]")
        self.assertGreaterEqual(len(charts), 6)
        bars = self.driver.find_elements(By.CSS_SELECTOR, "#overview svg rect")
        self.assertGreater(len(bars), 20)
        # the whole overview in the window, so that the screenshot is not cut
        height = self.driver.execute_script(
            "return Math.ceil(document.getElementById('overview').getBoundingClientRect().bottom)")
        self.driver.set_window_size(1400, min(height + 200, 8000))
        self.driver.find_element(By.ID, "overview").screenshot(os.path.join(WORK, "overview.png"))
        self.driver.set_window_size(1400, 1000)

    def test_alias_finding_and_zus_pair_shown(self):
        self.open(self.seeds)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr")
        alias = [r for r in rows if "Programme & evaluation" in r.text and "topic.alias" in r.text]
        self.assertEqual(len(alias), 1)
        self.assertIn("Programme evaluation", alias[0].text)
        card = self.driver.find_element(By.CSS_SELECTOR, 'article[data-pair="%s"]' % ZUS_PAIR)
        self.assertIn("Possible duplicate", card.text)
        self.assertIn("(differs)", card.text)
        self.assertTrue(card.find_elements(By.TAG_NAME, "del") and card.find_elements(By.TAG_NAME, "ins"))
        # a merged group's disputed description, the kept value beside the other
        kept = self.driver.find_elements(By.XPATH, "//article[contains(@class, 'merged')]//th[starts-with(., 'kept: ')]")
        self.assertGreaterEqual(len(kept), 6)
        status = self.driver.find_element(By.ID, "findings-status").text
        self.assertRegex(status, r"Showing \d+ of \d+ findings")
        # the filters narrow the table
        self.driver.find_element(By.ID, "f-text").send_keys("Programme & evaluation")
        WebDriverWait(self.driver, 5).until(
            lambda d: d.find_element(By.ID, "findings-status").text.startswith("Showing 1 of 1 finding"))
        self.assert_clean_console()

    def test_decisions_round_trip_through_gp_dedup(self):
        self.open(self.seeds)
        self.click_pair(KOREA_PAIRS[0], "same")
        self.click_pair(KOREA_PAIRS[1], "same", keyboard=True)
        self.click_pair(ZUS_PAIR, "different", 'refugees (2022) and "families" (2021)')
        # kept by the browser: a reload shows them decided
        self.driver.refresh()
        WebDriverWait(self.driver, 30).until(
            lambda d: d.execute_script("return document.documentElement.getAttribute('data-ready')") == "true")
        card = self.driver.find_element(By.CSS_SELECTOR, 'article[data-pair="%s"]' % ZUS_PAIR)
        self.assertEqual(card.find_element(By.CSS_SELECTOR, "button.different").get_attribute("aria-pressed"), "true")
        path, text = self.download()
        self.assertIn("merge:", text)
        self.assertIn('reason: "refugees (2022) and \\"families\\" (2021)"', text)
        out = tool("gp-dedup", "--decisions", path, os.path.join(self.seeds_dir, "canonical.jsonl"),
                   stdout=subprocess.PIPE)
        ids = [json.loads(line)["id"] for line in out.stdout.decode().splitlines()]
        self.assertEqual(len(ids), 229)
        for zus in ZUS_PAIR.split():
            self.assertIn(zus, ids)
        self.assert_clean_console()
        self.driver.execute_script("localStorage.clear()")

    def test_accepted_fix_is_written_with_was(self):
        self.open(self.seeds)
        row = self.driver.find_element(By.XPATH, "//tr[td/code[text()='text.broken-word'] and .//button[@class='accept']]")
        value = row.find_elements(By.CSS_SELECTOR, "span.value")
        button = row.find_element(By.CSS_SELECTOR, "button.accept")
        button.click()
        self.assertEqual(button.get_attribute("aria-pressed"), "true")
        _, text = self.download()
        self.assertIn("fixes:", text)
        self.assertIn("    was:\n      description: ", text)
        self.assertIn('reason: "accepted fix for text.broken-word"', text)
        fixed = [l for l in text.splitlines() if l.startswith("    description: ")][0]
        self.assertIn(value[1].text, fixed)
        self.assertNotIn(value[0].text, fixed)
        self.driver.execute_script("localStorage.clear()")
        self.assert_clean_console()

    def test_decisions_of_the_file_are_shown_and_kept(self):
        self.open(self.with_decisions)
        card = self.driver.find_element(By.CSS_SELECTOR, 'article[data-pair="%s"]' % ZUS_PAIR)
        self.assertIn("Decided in the decisions file: different practices", card.text)
        self.assertEqual(card.find_elements(By.CSS_SELECTOR, "button.same"), [])
        text = self.driver.find_element(By.ID, "decisions-yaml").get_attribute("textContent")
        path = os.path.join(WORK, "kept.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        canonical = os.path.join(self.seeds_dir, "canonical.jsonl")
        again = tool("gp-dedup", "--decisions", path, canonical, stdout=subprocess.PIPE)
        first = tool("gp-dedup", "--decisions", "fixtures/decisions/all-kinds.yaml", canonical,
                     stdout=subprocess.PIPE)
        self.assertEqual(again.stdout, first.stdout)
        self.assertIn('  - id: "gp-3e835a275efa1eff"\n    reason: "checked with ZUS"\n'
                      '    implementation_year: 2021\n', text)
        self.assertIn('    jury_comment: null\n', text)
        self.assert_clean_console()

    def test_hostile_values_show_as_text_and_run_nothing(self):
        self.open(self.injection)
        d = self.driver
        with self.assertRaises(NoAlertPresentException):
            d.switch_to.alert.text
        self.assertEqual(d.execute_script("return window.__dialogs"), 0)
        self.assertEqual(d.find_elements(By.TAG_NAME, "img"), [])
        self.assertEqual(d.find_elements(By.TAG_NAME, "textarea"), [])
        self.assertEqual(len(d.find_elements(By.TAG_NAME, "script")), 2)
        body = d.find_element(By.TAG_NAME, "body").text
        for s in HOSTILE:
            self.assertIn(s, body)
        card = d.find_element(By.CSS_SELECTOR, "#possible-list article")
        self.assertIn(HOSTILE[0], card.text)
        self.assert_clean_console()


if __name__ == "__main__":
    os.makedirs(WORK, exist_ok=True)
    unittest.main(verbosity=2)
