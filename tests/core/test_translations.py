"""The committed catalogues: zh_Hans complete (nothing untranslated or fuzzy) and every .mo in step
with its .po (compared by parsing both, so no gettext tools are needed)."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGS = ["zh_Hans", "en"]
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def parse_po(path: Path) -> list[dict]:
    """Entries as {"msgctxt", "msgid", "msgid_plural", "msgstr": [..], "fuzzy", "obsolete"}."""
    entries, entry, key = [], None, None

    def flush():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            entry, key = None, None
            continue
        if entry is None:
            entry = {"fuzzy": False, "obsolete": False, "msgstr": {}}
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
            continue
        if line.startswith("#"):
            continue
        match = KEYWORD.match(line)
        if match:
            key, value = match.group(1), ast.literal_eval(match.group(2))
        else:
            value = ast.literal_eval(line)
        if key.startswith("msgstr"):
            index = int(key[7:-1]) if "[" in key else 0
            entry["msgstr"][index] = entry["msgstr"].get(index, "") + value
        else:
            entry[key] = entry.get(key, "") + value
    return [e for e in entries if not e["obsolete"]]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def test_zh_hans_is_complete_and_not_fuzzy():
    entries = [e for e in parse_po(po_path("zh_Hans")) if e["msgid"]]
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not all(v.strip() for v in e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert not untranslated, f"untranslated zh_Hans strings: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy zh_Hans strings: {fuzzy[:20]}"


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_po(lang):
    """Every translated .po entry is in the .mo with the same text, and the .mo holds nothing else."""
    path = po_path(lang)
    assert path.with_suffix(".mo").exists(), "compile with `make messages` and commit the .mo"
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in parse_po(path):
        if not entry["msgid"] or entry["fuzzy"]:
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            if all(entry["msgstr"].values()):
                for index, text in entry["msgstr"].items():
                    expected[(msgid, index)] = text
        elif entry["msgstr"].get(0):
            expected[msgid] = entry["msgstr"][0]
    actual = {k: v for k, v in compiled.items() if k != ""}
    stale = {k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v}
    extra = sorted(str(k) for k in set(actual) - set(expected))
    assert not stale, f"{lang}: .mo is out of date for {list(stale)[:10]} — run `make messages`"
    assert not extra, f"{lang}: .mo has entries the .po lacks: {extra[:10]} — run `make messages`"


def test_pages_render_in_both_languages(client, staff_user):
    client.force_login(staff_user)
    zh = client.get("/exhibitions/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "展会" in zh and "导出 Excel" in zh
    en = client.get("/exhibitions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Export Excel" in en and "导出" not in en


def test_language_switcher_sets_the_language(client, staff_user):
    client.force_login(staff_user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/exhibitions/"})
    assert response.status_code == 302 and response["Location"] == "/exhibitions/"
    assert "Export Excel" in client.get("/exhibitions/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/exhibitions/"})
    assert "导出 Excel" in client.get("/exhibitions/").content.decode()


@pytest.mark.parametrize("lang", LANGS)
def test_po_is_valid_for_msgfmt(lang):
    """Syntax and python-format placeholders checked by GNU msgfmt (when installed; CI installs gettext)."""
    import shutil
    import subprocess

    from tests.conftest import service_unavailable

    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        service_unavailable("msgfmt (gettext) is not installed")
    result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(po_path(lang))], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
