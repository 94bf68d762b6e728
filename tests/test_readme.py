"""The commands README.md and docs/api.md show work as shown after `make run`, without extra variables.

`make run`'s own manage.py steps (from the Makefile: the demo years) are run first; then every `sh`
block is run line by line, in order, as a shell would: `manage.py` commands through call_command (the
interactive or serving ones are only parsed), `$(date +%Y)`, `$(… drf_create_token NAME | awk '{print $3}')`
and `$VAR` expanded, curl requests sent to the app with their headers and body (each must succeed), make
targets looked up in the Makefile. Every `manage.py` command quoted in the text names an existing
command with options it has. (The `.env` that lets these run in a checkout: tests/core/test_settings.py.)
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class

ROOT = Path(settings.BASE_DIR)
DOCUMENTS = ["README.md", "docs/api.md"]
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
THIS_YEAR = dt.date.today().year  # what `date +%Y` prints (the Makefile's YEAR)

# Run here; the others are parsed only (they prompt for a password, serve, or were run by `make run`).
EXECUTED = {"add_user", "drf_create_token", "seed_demo", "recompute_progress", "ensure_demo_accounts"}
# Programs the documents may show besides manage.py, curl and make; what they do is tested elsewhere
# (tests/api/test_generated_client.py generates, installs and runs the client) or needs Docker.
OTHER_PROGRAMS = {".venv/bin/openapi-python-client", "python3", "/tmp/integrator/bin/pip", "docker"}
MANAGE = re.compile(r"^(?:\.venv/bin/)?python$")


def sh_blocks(name: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", (ROOT / name).read_text(encoding="utf-8"), flags=re.S)


def lines(block: str) -> list[str]:
    """The block's commands: backslash continuations joined, a quoted string may span lines."""
    commands, pending = [], ""
    for line in re.sub(r"\\\n\s*", " ", block).splitlines():
        pending = f"{pending}\n{line}" if pending else line
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the command goes on
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            commands.append(pending)
        pending = ""
    assert not pending, f"unterminated command: {pending}"
    return commands


class Shell:
    """Just enough of sh for the documents' examples, against the test database and the test client."""

    def __init__(self, client):
        self.client = client
        self.variables: dict[str, str] = {}
        self.requests: list[str] = []

    def expand(self, line: str) -> str:
        line = line.replace("$(date +%Y)", str(THIS_YEAR))
        line = re.sub(r"\$\(([^()]*)\)", lambda m: self.substitute(m.group(1)), line)
        return re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: self.variables[m.group(1)], line)

    def substitute(self, command: str) -> str:
        program, _, filter_ = command.partition(" | ")
        output = self.run(shlex.split(self.expand(program)))
        assert filter_ == "awk '{print $3}'", f"unsupported command substitution: $({command})"
        return output.split()[2]

    def execute(self, line: str) -> None:
        words = shlex.split(self.expand(line), comments=True)
        assignments = []
        while words and re.match(r"^[A-Z_]+=", words[0]):
            assignments.append(words.pop(0))
        if not words:  # NAME=value alone: a shell variable
            for assignment in assignments:
                name, value = assignment.split("=", 1)
                self.variables[name] = value
            return
        self.run(words)

    def run(self, words: list[str]) -> str:
        program = words[0]
        if MANAGE.match(program) and words[1:2] == ["manage.py"]:
            return manage(words[2:])
        if program == "curl":
            return self.curl(words[1:])
        if program == "make":
            for target in words[1:]:
                assert re.search(rf"^{re.escape(target)}:", MAKEFILE, flags=re.M), f"no make target {target}"
            return ""
        assert program in OTHER_PROGRAMS, f"a command the documents show and this test does not know: {words}"
        return ""

    def curl(self, args: list[str]) -> str:
        headers, method, body, url = {}, "GET", None, None
        args = list(args)
        while args:
            arg = args.pop(0)
            if arg == "-H":
                name, value = args.pop(0).split(":", 1)
                headers[name.strip()] = value.strip()
            elif arg == "-X":
                method = args.pop(0)
            elif arg in {"-d", "--data"}:
                body = args.pop(0)
                method = "POST" if method == "GET" else method
            elif arg == "-s":
                continue
            else:
                assert arg.startswith("http://127.0.0.1:8000/"), f"curl argument {arg!r}"
                url = arg.removeprefix("http://127.0.0.1:8000")
        assert url, args
        assert re.fullmatch(r"Token [0-9a-f]{40}", headers.get("Authorization", "")), headers
        content_type = headers.pop("Content-Type", "application/octet-stream")
        if body is not None:
            json.loads(body)  # the example's body is JSON
        path, _, query = url.partition("?")
        response = self.client.generic(
            method, f"{path}?{query}" if query else path, data=body or "", content_type=content_type, headers=headers
        )
        assert response.status_code in {200, 201}, f"curl {method} {url}: {response.status_code} {response.content!r}"
        self.requests.append(f"{method} {url}")
        return response.content.decode()


def manage(argv: list[str]) -> str:
    """A manage.py command: it must exist and accept these arguments; the EXECUTED ones run."""
    name, *args = argv
    commands = get_commands()
    assert name in commands, f"manage.py {name}: no such command"
    command = load_command_class(commands[name], name)
    parser = command.create_parser("manage.py", name)
    parser.parse_args(args)  # SystemExit (a failed test) when an argument is wrong
    if name not in EXECUTED:
        return ""
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def make_run(shell: Shell) -> None:
    """The manage.py steps of `make run` (migrations are the test database's)."""
    recipe = MAKEFILE.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    year, previous = str(THIS_YEAR), str(THIS_YEAR - 1)
    for line in re.findall(r"^\t\$\(BIN\)/python manage\.py (.+)$", recipe, flags=re.M):
        manage(shlex.split(line.replace("$(PREV)", previous).replace("$(YEAR)", year).replace("$(PORT)", "8000")))
    assert f"--year {previous} --year {year}" in recipe.replace("$(PREV)", previous).replace("$(YEAR)", year)


@pytest.fixture
def after_make_run(db, client, settings, django_capture_on_commit_callbacks) -> Shell:
    settings.DEBUG = True  # what `make run`'s .env sets (ensure_demo_accounts runs only then)
    settings.EXPOPLAN_API_THROTTLE_RATE = "1000000/hour"
    shell = Shell(client)
    with django_capture_on_commit_callbacks(execute=True):  # the in-process recompute after seeding
        make_run(shell)
    return shell


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_shell_example_works_as_shown(after_make_run, django_capture_on_commit_callbacks, name):
    blocks = sh_blocks(name)
    assert blocks
    with django_capture_on_commit_callbacks(execute=True):
        for block in blocks:
            for line in lines(block):
                after_make_run.execute(line)
    assert after_make_run.requests, f"{name} shows no request"


def test_examples_use_the_demo_years():
    """`make run` seeds this year and last year: examples say `$(date +%Y)`, not a fixed year."""
    for name in DOCUMENTS:
        for block in sh_blocks(name):
            assert not re.search(r"year=\d{4}|\b20\d\d-\d\d-\d\d", block), (name, block)


def _quoted_commands(name: str) -> list[str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return re.findall(r"`(?:\.venv/bin/|docker compose exec web )?python manage\.py ([^`]+)`", text)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_quoted_manage_py_command_exists_with_its_options(name):
    commands = get_commands()
    quoted = _quoted_commands(name)
    assert quoted or name != "README.md"
    for text in quoted:
        words = text.replace("\\|", "|").split()
        if words[0] in {"…", "..."}:
            continue
        assert words[0] in commands, f"{name}: manage.py {words[0]}: no such command"
        parser = load_command_class(commands[words[0]], words[0]).create_parser("manage.py", words[0])
        usage = parser.format_help()
        for word in words[1:]:
            option = word.strip("[]").split("=", 1)[0]
            if option.startswith("--"):
                assert re.search(rf"(?<![\w-]){option}(?![\w-])", usage), (
                    f"{name}: manage.py {words[0]} has no {option}"
                )
