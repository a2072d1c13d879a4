"""`procure --help` loads no heavy library: they are imported by the commands that use them."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_module_imports_neither_pandas_nor_sqlalchemy_nor_flask() -> None:
    probe = ("import sys, app.cli; "
             "print(','.join(m for m in ('pandas', 'sqlalchemy', 'flask', 'rich', 'pulp', "
             "'openpyxl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
