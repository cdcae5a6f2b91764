"""The explorer in a real browser: JupyterLab started by the test, headless Chromium driven by
Playwright (Debian's chromium, no browser download), twenty clicks in a row, each checked.

Skipped only when chromium is not installed (CI installs it with apt); everything else that
goes wrong fails the test."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
import secrets

import nbformat
import pytest

import kb

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = ROOT / "notebooks" / "screenshots" / "explorer.png"
QUAKE = "force_majeure_earthquake_outage_provider_not_liable.yaml"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")]

NOTEBOOK_CELLS = [
    "from widgets.explorer import Explorer\n"
    f"explorer = Explorer(scenario={QUAKE!r})\n"
    "explorer.set_fact('criterion_not_met(quake, unforeseeable)')\n"
    "explorer.set_fact('criterion_not_met(quake, unforeseeable)', on=False)\n"
    "explorer.builder.selected_index = [a for _, a in explorer._areas].index('force_majeure')\n"
    "explorer.select('exempt_from_liability(jd_cloud, outage)')\n"
    "explorer",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server of our own: loopback, random port and token, private dirs."""
    home = tmp_path / "jupyter"
    for d in ("config", "runtime", "settings", "workspaces", "ipython", "data"):
        (home / d).mkdir(parents=True)
    # Lab's own app settings, not the venv's (make lab disables comms over subshells there):
    # comm messages go to a kernel subshell, another thread, the trap the engine's own thread
    # must survive; and no news popup over the widgets
    app_settings = home / "app_settings"
    app_settings.mkdir()
    (app_settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:kernels-settings": {"commsOverSubshells": "perCommTarget"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
    }))
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "explorer.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               IPYTHONDIR=str(home / "ipython"))
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={token}", "--allow-root", "--LabApp.expose_app_in_browser=True",
         f"--ServerApp.root_dir={work}", f"--LabApp.app_settings_dir={app_settings}"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
                time.sleep(0.3)
        yield url, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _panel_conclusions(page) -> list[str]:
    texts = page.locator(".kb-conclusions .kb-held, .kb-conclusions .kb-added").all_inner_texts()
    return sorted(t.replace("\xa0", " ").strip().removeprefix("+ ").strip() for t in texts)


def test_twenty_clicks_in_jupyterlab_each_answered(lab, tmp_path, agreement):
    from playwright.sync_api import sync_playwright

    url, token = lab
    quake = agreement.load_scenario(QUAKE)
    facts = set(agreement.facts_of(quake))
    boxes = {  # the builder's lines the test clicks, and the fact each stands for
        "kb-fact-event-0": "event(quake, earthquake)",
        "kb-fact-suffered-0": "suffered(jd_cloud, quake)",
        "kb-fact-affects_performance-0": "affects_performance(quake, impossible)",
        "kb-fact-criterion_not_met-0": "criterion_not_met(quake, unforeseeable)",
    }
    order = ["kb-fact-criterion_not_met-0", "kb-fact-event-0", "kb-fact-event-0", "kb-fact-suffered-0",
             "kb-fact-criterion_not_met-0", "kb-fact-affects_performance-0", "kb-fact-suffered-0",
             "kb-fact-affects_performance-0", "kb-fact-event-0", "kb-fact-criterion_not_met-0",
             "kb-fact-suffered-0", "kb-fact-event-0", "kb-fact-affects_performance-0", "kb-fact-suffered-0",
             "kb-fact-criterion_not_met-0", "kb-fact-event-0", "kb-fact-affects_performance-0",
             "kb-fact-criterion_not_met-0", "kb-fact-suffered-0", "kb-fact-event-0"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/explorer.ipynb?reset&token={token}")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                                   timeout=60000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".kb-explorer .kb-conclusions", timeout=60000)
            page.wait_for_selector(".kb-fact-event-0 input", timeout=30000)
            # the clause graph of the selected answer is drawn (WebGL canvas of ipysigma)
            page.wait_for_selector(".kb-graph-view canvas", timeout=30000)
            expected = sorted(c.text for c in agreement.evaluate(agreement.scenario(sorted(facts))).specific)
            page.wait_for_function(
                "n => document.querySelectorAll('.kb-conclusions .kb-held, .kb-conclusions .kb-added').length == n",
                arg=len(expected), timeout=30000)
            assert _panel_conclusions(page) == expected
            for i, cls in enumerate(order, start=1):
                facts ^= {boxes[cls]}
                expected = sorted(c.text for c in agreement.evaluate(agreement.scenario(sorted(facts))).specific)
                box = page.locator(f".{cls} input")
                box.evaluate("el => el.scrollIntoView({block: 'center'})")
                box.click()
                deadline = time.time() + 15
                while _panel_conclusions(page) != expected and time.time() < deadline:
                    time.sleep(0.05)
                assert _panel_conclusions(page) == expected, f"click {i} ({cls}): the panel shows a stale answer"
                errors = page.locator(".kb-status .kb-error").all_inner_texts()
                assert errors == [], f"click {i} ({cls}): the explorer shows an error"
            page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
            page.locator(".kb-explorer").evaluate("el => el.scrollIntoView()")
            time.sleep(0.5)
            page.screenshot(path=str(tmp_path / "explorer.png"))
            if os.environ.get("KB_UPDATE_SCREENSHOT"):
                SCREENSHOT.parent.mkdir(exist_ok=True)
                shutil.copyfile(tmp_path / "explorer.png", SCREENSHOT)
        finally:
            browser.close()
    assert (tmp_path / "explorer.png").stat().st_size > 10000
