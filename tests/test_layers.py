"""The three layers of the README, imports pointing one way: notes -> search -> chat.

Every import counts, including the ones inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
TELEGRAM = ("telegram", "tornado")


def _top(name: str) -> str:
    """``bot.search.engine`` -> ``bot.search``; ``telegram.ext`` -> ``telegram``."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


def _imports(package: str) -> dict[str, set[str]]:
    """Module path -> the top-level names of everything it imports (``bot.search``, ``telegram``)."""
    found: dict[str, set[str]] = {}
    for path in sorted((BOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                here = path.relative_to(BOT.parent).with_suffix("").parts
                base = here[: len(here) - node.level] if node.level else ()
                names.add(".".join((*base, *([node.module] if node.module else []))))
        found[path.relative_to(BOT.parent).as_posix()] = {_top(name) for name in names}
    assert found, f"no modules under bot/{package}"
    return found


def _offenders(package: str, forbidden: tuple[str, ...]) -> dict[str, set[str]]:
    return {module: bad for module, names in _imports(package).items() if (bad := names & set(forbidden))}


def test_notes_import_nothing_from_search_chat_or_telegram() -> None:
    assert _offenders("notes", ("bot.search", "bot.chat", *TELEGRAM)) == {}


def test_search_knows_nothing_of_chat_or_telegram() -> None:
    assert _offenders("search", ("bot.chat", *TELEGRAM)) == {}


def test_the_state_stores_know_nothing_of_chat_or_telegram() -> None:
    assert _offenders("state", ("bot.chat", *TELEGRAM)) == {}


def test_only_the_telegram_package_imports_telegram() -> None:
    outside = {m: n for m, n in _imports("chat").items() if not m.startswith("bot/chat/telegram/")}
    assert {m: bad for m, n in outside.items() if (bad := n & set(TELEGRAM))} == {}


def test_no_module_uses_a_private_module_of_python_telegram_bot() -> None:
    """PTB's ``telegram.ext._utils`` and the like change without notice between releases; the
    webhook follows PTB's documented custom-webhook pattern instead (issue 14)."""
    private = {}
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            bad = [n for n in names if n.split(".")[0] == "telegram" and any(p.startswith("_") for p in n.split("."))]
            if bad:
                private[path.relative_to(BOT.parent).as_posix()] = bad
    assert private == {}
