#!/usr/bin/env python3
"""Opens a gp-report page in headless Chromium and prints how fast it shows.

Usage: report_paint.py PAGE.html   (Debian's python3 with python3-selenium, chromium)
Prints first paint and first contentful paint (performance.getEntriesByType('paint')),
when the page's script had parsed its data and rendered the first rows (its marks
gp-data-parsed and gp-rendered), DOMContentLoaded, and the JavaScript heap in use, for a
fresh profile. Each number is the median of three loads.
"""
import os
import shutil
import statistics
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait


def main(page):
    profile = tempfile.mkdtemp(prefix="gp-bench-chromium-")
    o = Options()
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                         options=o)
    try:
        d.set_page_load_timeout(300)
        runs = []
        for _ in range(3):
            d.get("about:blank")
            d.get("file://" + os.path.abspath(page))
            WebDriverWait(d, 300).until(lambda d: d.execute_script(
                "return document.documentElement.getAttribute('data-ready')") == "true")
            runs.append(d.execute_script("""
                const p = {};
                for (const e of performance.getEntriesByType('paint')) p[e.name] = e.startTime;
                for (const e of performance.getEntriesByType('mark')) p[e.name] = e.startTime;
                const nav = performance.getEntriesByType('navigation')[0];
                return [p['first-paint'] || -1, p['first-contentful-paint'] || -1,
                        p['gp-data-parsed'] || -1, p['gp-rendered'] || -1,
                        nav ? nav.domContentLoadedEventEnd : -1,
                        performance.memory ? performance.memory.usedJSHeapSize : -1];"""))
        med = [statistics.median(r[i] for r in runs) for i in range(6)]
        print("first paint %.0f ms, first contentful paint %.0f ms, data parsed by %.0f ms, "
              "first rows rendered by %.0f ms, DOMContentLoaded %.0f ms, JS heap %.0f MiB"
              % (med[0], med[1], med[2], med[3], med[4], med[5] / 1048576))
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
