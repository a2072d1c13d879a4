"""Data shipped with the engine: the taxonomy, labelled sets and public reference files.

`REFERENCE_DIR` holds the public files the engine needs at run time (the Quebec
municipalities reference and the Mauricie social economy registry); their sources and
licences are listed in the README.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = DATA_DIR / "reference"
