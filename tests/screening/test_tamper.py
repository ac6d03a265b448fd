"""The tamper ("PS") check on real portraits: unedited photos pass, vendor-style edits are flagged."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from data_contracts.tamper_spec import load_tamper_spec, read_tamper_spec
from photoflow.errors import PhotoflowError
from photoflow.face.analyzer import get_analyzer
from photoflow.face.landmarks import CHIN
from photoflow.sandbox import fraud_edits as edits
from photoflow.tamper.check import check_tamper
from photoflow.tamper.compression import analyse, luma_coefficients, region_lattice
from photoflow.tamper.face_lattice import face_and_rest
from photoflow.tamper.findings import ratio_score
from photoflow.tamper.skin_regions import face_skin, skin_regions
from schemas.reasons import TamperReason as R
from tests.paths import DATASETS

LONDON = DATASETS / "id_portraits" / "london_neutral_front"
UNEDITED = [
    *(LONDON / f"{n:03d}_03.jpg" for n in (2, 11, 19, 30, 42, 62, 64, 83, 91, 97)),
    *(DATASETS / "id_defects" / "london_smiling_front" / f"{n:03d}_08.jpg" for n in (5, 44)),
    *sorted((DATASETS / "id_portraits" / "canada_subset").glob("*.jpg"))[:3],
]
HOSTS = [LONDON / f"{n:03d}_03.jpg" for n in (3, 25, 61)]
DONOR = LONDON / "044_03.jpg"


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def reasons(data: bytes) -> set[R]:
    return {finding.reason for finding in check_tamper(data, name="photo.jpg").findings}


@pytest.mark.parametrize("path", UNEDITED, ids=lambda p: p.name)
def test_unedited_portraits_are_not_flagged(path: Path) -> None:
    result = check_tamper(path.read_bytes(), name=path.name)
    assert not result.flagged, result.as_dict()
    assert result.score < 20


@pytest.mark.parametrize("quality", [85, 90])
def test_uniform_resave_below_the_original_quality_is_recompression_not_tampering(quality: int) -> None:
    for path in HOSTS:
        result = check_tamper(edits.save_jpeg(rgb(path), quality), name=path.name)
        assert not result.flagged, result.as_dict()
        assert [f.reason for f in result.findings] == [R.RECOMPRESSED]


@pytest.mark.parametrize("software", ["Adobe Photoshop 2024 (Windows)", "Meitu", "MTXX 9.2", "GIMP 2.10"])
def test_editor_software_tag_is_flagged(software: str) -> None:
    result = check_tamper(edits.with_software_tag(HOSTS[0].read_bytes(), software), name="tagged.jpg")
    assert result.flagged
    assert R.EDITING_SOFTWARE in {f.reason for f in result.findings}


@pytest.mark.parametrize("firmware", ["Ver.1.00", "HDR+ 1.0.245", "G991BXXU5CVF3", "17.1.2", "Picture Style"])
def test_camera_firmware_tag_is_not_flagged(firmware: str) -> None:
    result = check_tamper(edits.with_software_tag(HOSTS[0].read_bytes(), firmware), name="camera.jpg")
    assert not result.flagged
    assert R.EDITING_SOFTWARE not in {f.reason for f in result.findings}


@pytest.mark.parametrize("quality", [95])
@pytest.mark.parametrize("edit", ["paste_face", "retouch"])
def test_local_face_edits_saved_above_the_original_quality_are_flagged(edit: str, quality: int) -> None:
    for host in HOSTS:
        edited = edits.paste_face(rgb(host), rgb(DONOR)) if edit == "paste_face" else edits.retouch(rgb(host))
        result = check_tamper(edits.save_jpeg(edited, quality), name=host.name)
        assert result.flagged, (host.name, result.as_dict())
        assert R.COMPRESSION_INCONSISTENT in {f.reason for f in result.findings}


def test_bad_bytes_give_a_finding_not_an_exception() -> None:
    for data in (b"", b"not an image at all", HOSTS[0].read_bytes()[:5000]):
        result = check_tamper(data, name="broken.jpg")
        assert [f.reason for f in result.findings] == [R.UNREADABLE]
        assert not result.flagged


def test_png_is_checked_without_compression_history() -> None:
    buffer = io.BytesIO()
    Image.fromarray(rgb(HOSTS[1])).save(buffer, format="PNG")
    result = check_tamper(buffer.getvalue(), name="photo.png")
    assert not result.flagged
    assert [f.reason for f in result.findings] == [R.NO_COMPRESSION_HISTORY]
    tagged = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Adobe Photoshop 25.0")
    Image.fromarray(rgb(HOSTS[1])).save(tagged, format="PNG", pnginfo=info)
    assert check_tamper(tagged.getvalue(), name="photo.png").flagged


def test_result_is_json_safe_with_bilingual_labels() -> None:
    data = edits.with_software_tag(HOSTS[0].read_bytes(), "Meitu")
    payload = json.loads(json.dumps(check_tamper(data, name="tagged.jpg").as_dict()))
    finding = payload["findings"][0]
    assert finding["reason"] == "editing_software"
    assert finding["zh"] == R.EDITING_SOFTWARE.zh
    assert "Meitu" in finding["detail"]


def test_broken_spec_file_is_refused_with_its_problem(tmp_path: Path) -> None:
    path = tmp_path / "tamper_spec.toml"
    path.write_text("flag_score = 500\n", encoding="utf-8")
    with pytest.raises(PhotoflowError, match="flag_score"):
        read_tamper_spec(path)


@pytest.mark.parametrize("quality", [85, 90, 95])
@pytest.mark.parametrize(
    ("edit", "reason"),
    [(edits.retouch, R.SKIN_SMOOTHED), (edits.recolour_skin, R.FACE_COMPRESSION_DIFFERS)],
    ids=["smoothed_skin", "recoloured_face"],
)
def test_a_retouched_face_is_flagged_for_its_edit_whatever_the_save_quality(
    edit: Callable[[np.ndarray], np.ndarray], reason: R, quality: int
) -> None:
    """Smoothed skin and a recoloured face are each flagged for their own reason at every save quality."""
    for host in HOSTS:
        result = check_tamper(edits.save_jpeg(edit(rgb(host)), quality), name=host.name)
        assert result.flagged, (host.name, result.as_dict())
        assert reason in {f.reason for f in result.findings}


def test_a_photo_cut_off_under_the_chin_has_no_neck_to_compare_with() -> None:
    spec = load_tamper_spec().neck
    portrait = rgb(HOSTS[0])
    face = get_analyzer().analyse(portrait, whole_picture=False).landmarks
    assert skin_regions(portrait.shape, face, spec) is not None
    cut = int(face.xy(CHIN)[1] + spec.top * face.eye_distance)
    assert skin_regions(portrait[:cut].shape, face, spec) is None


@pytest.mark.parametrize("section", ["skin_texture", "face_lattice"])
def test_a_ratio_score_falls_as_the_face_comes_back_to_the_neck(section: str) -> None:
    scale = getattr(load_tamper_spec(), section)
    ratios = [scale.strong_ratio / 2, scale.strong_ratio, scale.flag_ratio, scale.clear_ratio, 1.0]
    scores = [ratio_score(r, scale, 50.0) for r in ratios]
    assert scores == sorted(scores, reverse=True)
    assert scores[1] == scale.score and scores[2] == pytest.approx(50.0) and scores[3] == 0.0


def test_a_whitened_face_saved_below_the_original_quality_is_flagged() -> None:
    result = check_tamper(edits.save_jpeg(edits.whiten_skin(rgb(HOSTS[0])), 85), name=HOSTS[0].name)
    assert result.flagged, result.as_dict()
    assert R.FACE_COMPRESSION_DIFFERS in {f.reason for f in result.findings}


def test_a_uniform_resave_above_the_original_quality_keeps_the_face_lattice() -> None:
    for path in HOSTS:
        result = check_tamper(edits.save_jpeg(rgb(path), 95), name=path.name)
        assert not result.flagged, result.as_dict()
        assert [f.reason for f in result.findings] == [R.RECOMPRESSED]


@pytest.mark.parametrize("quality", [85, 95])
def test_the_face_keeps_the_lattice_the_edit_took_away(quality: int) -> None:
    """The same portrait saved again, as it was and with its face recoloured: the face's share of the
    first compression's lattice falls from above the clear line to below the flag line, and below
    the rest of the photo's, which the edit left alone."""
    spec = load_tamper_spec()
    scale = spec.face_lattice
    original = rgb(LONDON / "026_03.jpg")
    readings = []
    for made in (original, edits.recolour_skin(original)):
        data = edits.save_jpeg(made, quality)
        portrait = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        face = get_analyzer().analyse(portrait, whole_picture=False).landmarks
        result = analyse(Image.open(io.BytesIO(data)), spec.compression)
        skin = face_skin(portrait.shape, face)
        assert region_lattice(result, skin, spec.compression).blocks > 500
        readings.append(face_and_rest(result, face, portrait.shape, spec))
    (unedited_face, unedited_rest), (edited_face, edited_rest) = readings
    assert unedited_face.share >= scale.clear_ratio > scale.flag_ratio >= edited_face.share
    assert unedited_rest.share >= scale.clear_ratio and edited_rest.share >= scale.clear_ratio
    assert edited_face.share <= scale.max_share_of_rest * edited_rest.share


def test_an_overexposed_portrait_saved_again_is_not_flagged() -> None:
    """Clipped highlights keep no lattice whether edited or not: blocks at or near white are left out
    of the face's reading (without that rule this unedited photo read 0.35 of the lattice at q90)."""
    over = np.clip(rgb(LONDON / "010_03.jpg").astype(np.float32) * 1.5, 0, 255).astype(np.uint8)
    first = np.asarray(Image.open(io.BytesIO(edits.save_jpeg(over, 92))).convert("RGB"))
    for quality in (90, 95):
        result = check_tamper(edits.save_jpeg(first, quality), name="overexposed.jpg")
        assert R.FACE_COMPRESSION_DIFFERS not in {f.reason for f in result.findings}, result.as_dict()


def test_a_whole_photo_recoloured_has_no_face_rest_contrast() -> None:
    """A tone edit of the whole photo re-renders every block: nothing keeps the first lattice, so the
    photo reads as compressed once and the face is not singled out."""
    whole = np.clip(rgb(HOSTS[1]).astype(np.float32) * 0.85 + 30, 0, 255).astype(np.uint8)
    result = check_tamper(edits.save_jpeg(whole, 90), name=HOSTS[1].name)
    assert R.FACE_COMPRESSION_DIFFERS not in {f.reason for f in result.findings}, result.as_dict()


def test_the_lattice_is_read_from_the_decoders_luma_not_a_decoded_photo() -> None:
    """Once Pillow has decoded a JPEG to RGB, asking for YCbCr changes nothing, and the first channel
    would be red: the analysis refuses such an image instead of reading the wrong channel."""
    image = Image.open(HOSTS[0])
    image.load()
    with pytest.raises(ValueError, match="open it afresh"):
        luma_coefficients(image)
    read = luma_coefficients(Image.open(HOSTS[0]))
    assert read is not None and read.quantised.shape[2] == 64
