"""The console's command-line side and small things: `chargegrid user ...`, the German catalogue's
completeness, the favicon, the start-up hint, a second server on a taken port, and the README."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from chargegrid.cli import main
from chargegrid.ui import routes as ui_routes

ROOT = Path(__file__).resolve().parents[2]


def test_every_text_has_a_german_translation() -> None:
    """Every text marked in the UI's Python and templates is in the German catalogue, translated."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from chargegrid.ui import i18n

    root = Path(__file__).resolve().parents[2]
    with (i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    templates = "src/chargegrid/ui/templates/**.html"
    found = extract_from_dir(
        str(root),
        [("src/chargegrid/ui/**.py", "python"), (templates, "jinja2")],
        options_map={templates: {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
        keywords={"_": None, "N_": None, "gettext": None},
    )
    texts = {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in found}
    assert len(texts) > 200
    missing = sorted(t for t in texts if not (catalogue.get(t) and catalogue.get(t).string))
    assert missing == []


def test_user_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'users.db'}"

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["user", *args, "--database-url", url])

    assert run("add", "root", "--admin", "--password-stdin", stdin="root-pass-123\n") == 0
    assert run("add", "ops", "--role", "operator", "--password-stdin", stdin="ops-pass-123\n") == 0
    capsys.readouterr()
    assert run("list") == 0
    assert capsys.readouterr().out.splitlines() == ["ops\toperator", "root\tadmin"]
    assert run("role", "ops", "viewer") == 0
    assert run("role", "root", "viewer") == 1
    assert "last admin" in capsys.readouterr().err
    assert run("password", "ops", "--password-stdin", stdin="ops-pass-456\n") == 0
    assert run("remove", "nobody") == 1
    assert "no user named 'nobody'" in capsys.readouterr().err
    assert run("remove", "ops") == 0
    capsys.readouterr()
    assert run("list") == 0
    assert capsys.readouterr().out.splitlines() == ["root\tadmin"]
    # No terminal and no --password-stdin: a sentence, not an EOFError traceback.
    assert run("add", "eve") == 2
    err = capsys.readouterr().err
    assert "--password-stdin" in err and "Traceback" not in err
    for action in ("list", "add", "remove", "role", "password"):
        with pytest.raises(SystemExit) as done:
            main(["user", action, "--help"])
        assert done.value.code == 0
        assert "usage: chargegrid user " + action in capsys.readouterr().out


def test_start_up_hint_names_the_real_address() -> None:
    assert ui_routes.url_for_people("127.0.0.1", 8081) == "http://127.0.0.1:8081/"
    assert ui_routes.url_for_people("0.0.0.0", 9000).startswith("http://127.0.0.1:9000/")
    assert ui_routes.url_for_people("::1", 8081) == "http://[::1]:8081/"


def test_serve_on_a_taken_port_says_so() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "chargegrid",
                "serve",
                "--port",
                str(port),
                "--database-url",
                "sqlite+aiosqlite://",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        holder.close()
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already taken by another program" in done.stderr


def test_every_chargegrid_command_in_the_readme_can_run_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(?:[A-Z_]+=\S+ )*(\S*chargegrid|scripts/\w+)\b", readme, flags=re.MULTILINE)
    assert commands, "the README shows no commands"
    for command in commands:
        assert command != "chargegrid", "a bare `chargegrid` only works inside the virtualenv"
        if command.startswith("scripts/"):
            assert (ROOT / command).is_file() and (ROOT / command).stat().st_mode & 0o111, command
    inline = re.findall(r"`(chargegrid [^`]*)`", readme)
    assert inline == [], f"inline commands that only work inside the virtualenv: {inline}"
    assert ".chargegrid-ui-secret" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_first_start_hint_prints_the_address_it_listens_on(tmp_path: Path) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = {**os.environ, "CHARGEGRID_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chargegrid",
            "serve",
            "--port",
            str(port),
            "--database-url",
            f"sqlite+aiosqlite:///{tmp_path / 'hint.db'}",
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert server.stderr is not None
        lines = []
        for line in server.stderr:
            lines.append(line)
            if "log in at" in line or len(lines) > 40:
                break
    finally:
        server.terminate()
        server.wait(timeout=20)
    said = "".join(lines)
    assert f"log in at http://127.0.0.1:{port}/" in said, said
    assert "<host>" not in said and "user add NAME --admin" in said
