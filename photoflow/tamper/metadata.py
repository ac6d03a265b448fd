"""Editor traces in a photo's metadata: names of editing apps, and segments only editors write.

Vendors rarely strip metadata. Photoshop leaves its name in EXIF Software and XMP CreatorTool plus an
APP13 "Photoshop 3.0" resource block and an APP14 "Adobe" segment; phone beauty apps (Meitu, Xingtu,
Facetune, ...) write their names in EXIF Software or XMP. Which names count is data
(`tamper_spec.toml`), matched as specific substrings so camera firmware and encoder libraries never do.
"""

from __future__ import annotations

from PIL import Image

from data_contracts.tamper_spec import MetadataSpec
from photoflow.tamper.findings import TamperFinding
from schemas.reasons import TamperReason

SOFTWARE_TAGS = ((0x0131, "EXIF Software"), (0x000B, "EXIF ProcessingSoftware"))
XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
MAX_SHOWN = 60  # characters of a metadata value quoted in a finding


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def text_fields(image: Image.Image) -> list[tuple[str, str]]:
    """(field, text) pairs where an editor may name itself: EXIF Software and ProcessingSoftware, XMP,
    JPEG comments and PNG text chunks."""
    fields: list[tuple[str, str]] = []
    exif = image.getexif()
    for tag, label in SOFTWARE_TAGS:
        if tag in exif:
            fields.append((label, _text(exif[tag])))
    for marker, payload in getattr(image, "applist", []):
        if marker == "APP1" and payload.startswith(XMP_PREFIX):
            fields.append(("XMP", _text(payload[len(XMP_PREFIX) :])))
        elif marker == "COM":
            fields.append(("JPEG comment", _text(payload)))
    if image.format != "JPEG":
        fields.extend(
            (f"{image.format} text '{key}'", _text(value))
            for key, value in image.info.items()
            if isinstance(value, str | bytes) and key not in ("exif", "icc_profile")
        )
    return fields


def editor_traces(image: Image.Image, spec: MetadataSpec) -> list[TamperFinding]:
    """One trace per editor named anywhere in the metadata, plus Photoshop's and Adobe's segments."""
    traces: list[TamperFinding] = []
    fields = text_fields(image)
    for editor in spec.editors:
        for field, text in fields:
            pattern = editor.matches(text)
            if pattern is None:
                continue
            shown = " ".join(text.split())[:MAX_SHOWN] if field != "XMP" else pattern
            detail = f"{field} names {editor.name} ('{shown}')"
            traces.append(TamperFinding(TamperReason.EDITING_SOFTWARE, editor.score, detail))
            break
    markers = {marker: payload for marker, payload in reversed(getattr(image, "applist", []))}
    if markers.get("APP13", b"").startswith(b"Photoshop 3.0"):
        detail = "APP13 'Photoshop 3.0' image-resource block (written by Photoshop and some IPTC tools)"
        traces.append(TamperFinding(TamperReason.EDITOR_METADATA, spec.photoshop_irb_score, detail))
    if markers.get("APP14", b"").startswith(b"Adobe"):
        detail = "APP14 'Adobe' segment (written by Adobe's JPEG encoders)"
        traces.append(TamperFinding(TamperReason.EDITOR_METADATA, spec.adobe_app14_score, detail))
    return traces
