"""English as the second locale (no browser needed): the interface follows the language, the plan does not."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "decimetro" / "locale" / "en" / "LC_MESSAGES"

IT_HEADING = "Visione di sviluppo metropolitano e Missioni PNRR"
EN_HEADING = "Metropolitan development vision and NRRP Missions"
# The plan's own text is the source text: never translated.
PLAN_TITLE = "Piano Strategico Triennale del Territorio Metropolitano"


@pytest.mark.django_db
def test_home_in_italian_by_default(client, plan):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="it">' in html
    assert IT_HEADING in html
    assert EN_HEADING not in html
    assert PLAN_TITLE in html


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en-US", "en-GB,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr"])
def test_home_in_italian_whatever_the_browser_says(client, plan, accept):
    """An Italian public body's site: the browser's languages are not asked, only the switch decides."""
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert IT_HEADING in html
    assert EN_HEADING not in html


@pytest.mark.django_db
def test_home_in_english_after_the_switch(client, plan):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert EN_HEADING in html
    assert IT_HEADING not in html
    assert "Skip to main content" in html
    assert "6 missions" in html  # a plural form from the catalog
    assert PLAN_TITLE in html  # the plan's own text stays in Italian


@pytest.mark.django_db
def test_set_language_view_switches_and_back(client, plan):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    # The chosen language (cookie) wins over the Accept-Language header.
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert EN_HEADING in html
    assert '<option value="en" selected>' in html

    client.post("/i18n/setlang/", {"language": "it", "next": "/"})
    html = client.get("/").content.decode()
    assert IT_HEADING in html


@pytest.mark.django_db
def test_other_pages_in_english(client, plan, territory):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/territorio/comuni/").content.decode()
    assert "The municipalities of the metropolitan territory" in html
    assert "133 municipalities" in html
    html = client.get("/piano/missioni/M1/").content.decode()
    assert "Strategic objectives" in html
    assert "Digitalizzazione, innovazione, competitività, cultura e turismo" in html


# The committed catalog ---------------------------------------------------------------------------------


def _read_po(path: Path) -> dict[str, list[str]]:
    """msgid (or "msgid\\x00msgid_plural") -> msgstr forms, for the non-obsolete entries of a .po file."""
    entries: dict[str, list[str]] = {}
    fuzzy: list[str] = []
    cur: dict[str, str] = {}
    key = ""
    is_fuzzy = False

    def flush() -> None:
        nonlocal cur, is_fuzzy
        if cur.get("msgid"):
            msgid = cur["msgid"] + ("\x00" + cur["msgid_plural"] if "msgid_plural" in cur else "")
            forms = [v for k, v in sorted(cur.items()) if k.startswith("msgstr")]
            entries[msgid] = forms
            if is_fuzzy:
                fuzzy.append(cur["msgid"])
        cur, is_fuzzy = {}, False

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,") and "fuzzy" in line:
            is_fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            cur[key] += ast.literal_eval(line)
        else:
            key, _, rest = line.partition(" ")
            cur[key] = ast.literal_eval(rest)
    entries["\x00fuzzy"] = fuzzy
    return entries


def test_english_catalog_is_complete_and_compiled():
    """Every string is translated, none is fuzzy, and the committed django.mo matches django.po.

    If this fails: translate decimetro/locale/en/LC_MESSAGES/django.po, then `bash scripts/i18n.sh compile`.
    """
    po = _read_po(LOCALE_DIR / "django.po")
    fuzzy = po.pop("\x00fuzzy")
    assert not fuzzy, f"fuzzy entries in django.po: {fuzzy}"
    untranslated = [k for k, forms in po.items() if not all(forms)]
    assert not untranslated, f"untranslated entries in django.po: {untranslated}"
    assert len(po) > 150

    with (LOCALE_DIR / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for key, forms in po.items():
        if "\x00" in key:
            singular, plural = key.split("\x00")
            if mo.ngettext(singular, plural, 1) != forms[0] or mo.ngettext(singular, plural, 2) != forms[1]:
                stale.append(singular)
        elif mo.gettext(key) != forms[0]:
            stale.append(key)
    assert not stale, f"django.mo is out of date for: {stale[:10]} (run `bash scripts/i18n.sh compile`)"
