"""``policytrack parse FILE --kind KIND [--url URL]``: JSON lines, one-line errors, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from policytrack.cli import main
from policytrack.model import item_from_dict


def test_prints_items_as_json_lines(real_fixtures):
    path = real_fixtures / "oeil" / "procedure-file_2024-0258-COD.html"
    result = CliRunner().invoke(main, ["parse", str(path), "--kind", "oeil-procedure"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    item = item_from_dict(json.loads(lines[0]))
    assert item.id == "proc:2024/0258(COD)" and len(item.events) == 14


def test_url_gives_the_id(real_fixtures):
    path = real_fixtures / "ep" / "press-release_20241212IPR25960.html"
    url = "https://www.europarl.europa.eu/news/en/press-room/20241212IPR25960/x"
    result = CliRunner().invoke(main, ["parse", str(path), "--kind", "ep-press-release", "--url", url])
    assert result.exit_code == 0
    assert json.loads(result.output)["url"] == url


def test_wrong_kind_is_one_line_exit_1(real_fixtures):
    path = real_fixtures / "ep-odp" / "procedure_2024-2006.json"
    result = CliRunner().invoke(main, ["parse", str(path), "--kind", "cellar-notice"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {path}: not a usable Cellar notice: not well-formed XML")
    assert lines[0].endswith("(--kind cellar-notice)")


def test_unknown_kind_is_a_usage_error_exit_2(real_fixtures):
    path = real_fixtures / "ep-odp" / "procedure_2024-2006.json"
    result = CliRunner().invoke(main, ["parse", str(path), "--kind", "tweet"])
    assert result.exit_code == 2
    assert "Invalid value for '--kind'" in result.output


def test_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["parse", str(tmp_path / "nope.html"), "--kind", "feed"])
    assert result.exit_code == 2


def test_text_that_cannot_be_encoded_is_cleaned_not_fatal(real_fixtures, tmp_path):
    """A lone surrogate escape, ESC and a right-to-left override in a real answer (a variant
    derived here): the items are printed, cleaned (policytrack/text.py)."""
    body = (real_fixtures / "ep-odp" / "document_A-9-2024-0163.json").read_bytes()
    assert b'"en":"REPORT on amendments' in body
    path = tmp_path / "variant.json"
    path.write_bytes(body.replace(b'"en":"REPORT on amendments', b'"en":"\\ud800\\u001b[2J\\u202eREPORT on amendments'))
    result = CliRunner().invoke(main, ["parse", str(path), "--kind", "ep-odp-document"])
    assert result.exit_code == 0, result.output
    titles = [json.loads(line)["title"] for line in result.output.splitlines()]
    assert "\ufffd[2JREPORT on amendments" in " ".join(titles)
    result.output.encode("utf-8")
