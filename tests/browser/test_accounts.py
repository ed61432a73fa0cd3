"""Accounts in a real browser: an Ente admin logs in, invites, the invitee accepts; axe on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from decimetro.core.models import User
from tests.browser.conftest import assert_accessible
from tests.factories import EnteFactory, MembershipFactory, OrganisationFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "una-password-molto-lunga-42"


def test_invite_accept_and_admin_pages(live_server, page, artifacts_dir):
    MembershipFactory(user=StaffFactory(username="admin.ente"), organisation=EnteFactory(), role="admin")
    body = OrganisationFactory(name="Università degli Studi", body_kind="university")
    site = live_server.url

    page.goto(site + "/accesso/?next=/gestione/utenti/")
    page.fill("#id_username", "admin.ente")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/gestione/utenti/$"))
    assert "Città metropolitana di Milano" in page.locator("#header-profile").inner_text()
    assert_accessible(page)

    page.fill("#id_email", "ricercatrice@example.org")
    page.select_option("#id_organisation", label="Università degli Studi")
    page.select_option("#id_role", "editor")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator("#invitations tbody th").all_inner_texts() == ["ricercatrice@example.org"]
    page.screenshot(path=str(artifacts_dir / "accounts-users.png"), full_page=True)
    link = re.search(r"https?://\S+/invito/\S+/", mail.outbox[-1].body).group(0)

    for path in ("/gestione/organizzazioni/", "/gestione/registro/", "/gestione/organizzazioni/nuova/"):
        page.goto(site + path)
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "accounts-audit.png"), full_page=True)

    # The invitee, in a fresh session.
    page.context.clear_cookies()
    page.goto(site + link[link.index("/invito/") :])
    assert "Università degli Studi" in page.locator("#invitation-summary").inner_text()
    assert_accessible(page)
    page.fill("#id_username", "ricercatrice")
    page.fill("#id_password1", "Una-password-robusta-2026")
    page.fill("#id_password2", "Una-password-robusta-2026")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/profilo/$"))
    assert "Università degli Studi" in page.locator("#profile-organisation").inner_text()
    assert_accessible(page)
    assert User.objects.get(username="ricercatrice").membership.organisation == body
    assert not page.js_errors, page.js_errors
