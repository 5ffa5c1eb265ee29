"""Headless Chromium for tests (a helper module, not a test file).

Uses Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``). Missing either is an error, not a skip: CI installs them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
APT_COMMAND = "apt-get update && apt-get install -y chromium chromium-driver"

# Flags for headless Chromium running as root with no network: no sandbox, no GPU, and no
# background traffic (updates, sync, QUIC probes) that would wait on the network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _find(path: Path, name: str) -> str:
    found = str(path) if path.is_file() else shutil.which(name)
    if not found:
        raise RuntimeError(
            f"{name} is not installed (looked for {path} and {name} on PATH); browser tests "
            f"need Debian's chromium and chromium-driver: {APT_COMMAND}"
        )
    return found


@contextmanager
def chromium(width: int = 1200, height: int = 900) -> Iterator[Chrome]:
    """Start headless Chromium under Selenium, and quit it afterwards.

    Parameters
    ----------
    width, height : int
        Window size in CSS pixels.

    Yields
    ------
    selenium.webdriver.Chrome
        The driver, with browser console logging on (read it with
        ``driver.get_log("browser")`` or :func:`severe_console_messages`).

    Raises
    ------
    RuntimeError
        Chromium or chromedriver is missing (the message gives the apt-get command).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = _find(CHROMIUM, "chromium")
    driver_path = _find(CHROMEDRIVER, "chromedriver")
    with tempfile.TemporaryDirectory(
        prefix="sjobo-geo-chromium-", ignore_cleanup_errors=True
    ) as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.set_page_load_timeout(60)
            yield driver
        finally:
            driver.quit()


def console_messages(driver: Chrome, level: str | None = None) -> list[str]:
    """Return (and consume) the browser console messages logged since the last call.

    Parameters
    ----------
    driver : selenium.webdriver.Chrome
        A driver from :func:`chromium`.
    level : str, optional
        Keep only entries of this level (``"SEVERE"``, ``"WARNING"``, ``"INFO"``, ...).

    Returns
    -------
    list of str
        The messages, oldest first.
    """
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if level is None or entry.get("level") == level
    ]


def severe_console_messages(driver: Chrome) -> list[str]:
    """Return the SEVERE browser console messages (errors) logged since the last read.

    Parameters
    ----------
    driver : selenium.webdriver.Chrome
        A driver from :func:`chromium`.

    Returns
    -------
    list of str
        The messages of level SEVERE: uncaught exceptions, ``console.error`` calls and failed
        resource loads.
    """
    return console_messages(driver, "SEVERE")
