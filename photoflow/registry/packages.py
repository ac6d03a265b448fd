"""Submission packages as the registry wants them: spec JPEGs named by the registry's key, plus a manifest.

The format is in `docs/registry_api.md`. A package is built in memory (50 photos of 20-50 KB each is a
few MB) and checked against the submission contract before it is sent, so a broken package is our
error, caught here with the entry it concerns, not a registry refusal.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass

MANIFEST = "manifest.json"
FORMAT = "photoflow-registry-package/1"


@dataclass(frozen=True)
class PackageEntry:
    """One photo of a package: its keys, the student's name, and the spec JPEG's bytes."""

    idempotency_key: str
    registry_key: str
    name: str
    photo: bytes

    @property
    def file(self) -> str:
        return f"{self.registry_key}.jpg"

    def manifest_entry(self) -> dict[str, object]:
        return {
            "idempotency_key": self.idempotency_key,
            "registry_key": self.registry_key,
            "file": self.file,
            "name": self.name,
            "sha256": hashlib.sha256(self.photo).hexdigest(),
            "size_bytes": len(self.photo),
        }


@dataclass(frozen=True)
class Manifest:
    institution_code: str
    category: str
    entries: list[dict[str, object]]

    def as_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **asdict(self)}, ensure_ascii=False, indent=1).encode()


def build_package(institution_code: str, category: str, entries: Sequence[PackageEntry]) -> bytes:
    """The zip the registry receives; JPEGs are stored, not deflated (they do not compress)."""
    manifest = Manifest(institution_code, category, [entry.manifest_entry() for entry in entries])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MANIFEST, manifest.as_json(), compress_type=zipfile.ZIP_DEFLATED)
        for entry in entries:
            archive.writestr(entry.file, entry.photo, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
