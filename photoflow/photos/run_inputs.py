"""What a command hands a photo-intake flow run must hold no full ID number.

Prefect keeps every flow run's parameters in its database and shows them in its UI and API, to anyone
who can open them. A photo given for one student (`photoflow photo add`) is usually named after the
student's ID number, so its path cannot be a parameter as it is: the run gets a private copy whose
name has the ID number masked (the record is passed by its id).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from photoflow import idnumber


@contextmanager
def without_id_numbers(photo: Path) -> Iterator[Path]:
    """`photo` when its path holds no ID number, else a copy named with it masked, removed afterwards."""
    path = photo.resolve()
    if idnumber.mask_in_text(str(path)) == str(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="photoflow-photo-") as folder:  # 0700: only this user reads it
        copy = Path(folder) / idnumber.mask_in_text(path.name)
        shutil.copyfile(path, copy)
        yield copy
