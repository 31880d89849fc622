"""The Clover emulator (clover_emulator/) is a development tool beside the product: a store's
app never loads it. Only `flask demo emulator`, a separate process in demo mode, imports it,
and only when that command runs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_RUNNER = ROOT / "webapp" / "demo" / "cli.py"


def _emulator_imports(tree: ast.AST) -> list[tuple[int, bool]]:
    """(line, inside a function) of every import of clover_emulator in a module."""
    found: list[tuple[int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0:
                names = [child.module or ""]
            if any(name == "clover_emulator" or name.startswith("clover_emulator.") for name in names):
                found.append((child.lineno, in_function))
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return found


def test_no_product_module_imports_the_emulator_except_the_demo_command_when_it_runs():
    offenders = []
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        for line, in_function in _emulator_imports(ast.parse(path.read_text(), str(path))):
            if path != DEMO_RUNNER or not in_function:
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == []


def test_the_served_app_with_every_command_loaded_never_loads_the_emulator(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DEMO_MODE"}
    env.update(SHELFCOUNT_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
               SECRET_KEY="k" * 64, PYTHONDONTWRITEBYTECODE="1")
    script = (
        "import sys, click, wsgi\n"
        "ctx = click.Context(wsgi.app.cli)\n"
        "for name in wsgi.app.cli.list_commands(ctx):\n"
        "    wsgi.app.cli.get_command(ctx, name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'clover_emulator'))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
