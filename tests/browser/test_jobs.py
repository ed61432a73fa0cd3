"""The PNRR upload in a real browser: staff upload a file, land on its job page with the summary; a running
job's page follows its state by itself (htmx polling); axe, and no sideways scroll on a phone."""

from __future__ import annotations

import re

import pytest

from decimetro.core.jobs import job_create
from decimetro.core.models import Job
from tests.browser.conftest import assert_accessible
from tests.factories import StaffFactory
from tests.pnrr.conftest import PROJECTS, read_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "una-password-molto-lunga-42"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def staff_site(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    StaffFactory(username="personale")
    return live_server.url


def _login(page, site: str, next_url: str) -> None:
    page.goto(f"{site}/accesso/?next={next_url}")
    page.fill("#id_username", "personale")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(f".*{re.escape(next_url)}$"))


def test_upload_lands_on_the_job_page_with_its_summary(staff_site, page, artifacts_dir):
    _login(page, staff_site, "/gestione/importazioni/carica/")
    assert_accessible(page)
    page.set_input_files("#id_file", str(PROJECTS))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/gestione/attivita/\d+/$"))
    # The task ran at once (immediate backend): the summary is there, no polling left.
    assert page.locator("#job-state").get_attribute("data-state") == "done"
    summary = page.locator("#job-summary").inner_text()
    assert "Righe lette" in summary and str(len(read_rows(PROJECTS)[1])) in summary
    assert page.locator("#job-status").get_attribute("hx-trigger") is None
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts_dir / "pnrr-upload-job-390.png"), full_page=True)
    assert width <= PHONE["width"]
    page.goto(staff_site + "/gestione/importazioni/carica/")
    assert page.locator("#upload-jobs tbody tr").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.js_errors, page.js_errors


def test_a_running_job_page_updates_itself(staff_site, page):
    job = job_create(by=None, kind="pnrr.import", label="progetti.csv", view_perm="pnrr.import")
    _login(page, staff_site, f"/gestione/attivita/{job.pk}/")
    assert page.locator("#job-state").get_attribute("data-state") == "queued"
    assert page.locator("#job-refresh").is_visible()  # the plain link, without JavaScript too
    Job.objects.filter(pk=job.pk).update(state="running", phase="lettura", progress=0.5)
    page.wait_for_selector('#job-state[data-state="running"]', timeout=15000)
    assert "lettura: 50 %" in page.locator("#job-phase").inner_text()
    Job.objects.filter(pk=job.pk).update(state="done", progress=1, summary={"read": 7})
    page.wait_for_selector('#job-state[data-state="done"]', timeout=15000)
    assert "Righe lette" in page.locator("#job-summary").inner_text()
    assert not page.js_errors, page.js_errors
