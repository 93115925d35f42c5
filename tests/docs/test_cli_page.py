"""docs/cli.md documents every command of the command line, with its options."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from legaldelivery import cli

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_has_a_section_naming_its_options() -> None:
    text = PAGE.read_text("utf-8")
    sections = dict(re.findall(r"^## ([a-z-]+)\n\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    assert set(commands()) <= set(sections)
    for name, parser in commands().items():
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in sections[name], f"{name}: {option} is not documented"
