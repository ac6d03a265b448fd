"""The face-fusion check: each rule fires on its pattern and stays quiet on a genuine one, with synthetic
vectors for exact scores, and on real London photos a 50/50 morph of two students is flagged naming the
second student while their genuine photos are not."""

from __future__ import annotations

import os

from tests.paths import DATASETS

os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # before deepface is imported

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from photoflow.errors import PhotoflowError
from photoflow.sandbox.fraud_edits import morph, save_jpeg
from photoflow.similarity.embedding import DEFAULT_MODEL, FaceEmbedder
from photoflow.similarity.fusion import (
    FusionRules,
    OtherIdentities,
    check_fusion,
    load_fusion_rules,
)
from schemas.reasons import FusionReason
from schemas.similarity import ComparisonKind

ID, ENROLLMENT = ComparisonKind.ID_REGISTRY, ComparisonKind.ENROLLMENT
DIMENSIONS = 128
NEUTRAL = DATASETS / "id_portraits" / "london_neutral_front"
SMILING = DATASETS / "id_defects" / "london_smiling_front"


@pytest.fixture(scope="module")
def rules() -> FusionRules:
    return load_fusion_rules()


def axis(index: int) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[index] = 1.0
    return vector


def at_distance(base: np.ndarray, distance: float, direction: int) -> np.ndarray:
    """A unit vector at cosine distance `distance` from unit `base`, tilted towards axis `direction`."""
    cosine = 1.0 - distance
    return (cosine * base + np.sqrt(1.0 - cosine**2) * axis(direction)).astype(np.float32)


def others_of(rows: dict[int, list[np.ndarray]]) -> OtherIdentities:
    ids = [record for record, vectors in rows.items() for _ in vectors]
    vectors = [vector for record_vectors in rows.values() for vector in record_vectors]
    return OtherIdentities(np.array(ids, dtype=np.int64), np.stack(vectors))


def check(photo, references, others, calibration, rules):
    return check_fusion(photo, references, others, model=DEFAULT_MODEL, calibration=calibration, rules=rules)


def check_alone(photo, references, calibration, rules):
    """The check for a photo whose batch holds no other identity: only its references count."""
    return check(photo, references, OtherIdentities.empty(DIMENSIONS), calibration, rules)


# ---------------------------------------------------------------- synthetic vectors


def test_genuine_photo_with_a_distant_look_alike_is_not_flagged(calibration, rules):
    photo = axis(0)
    others = others_of({7: [at_distance(photo, 0.06, 2), at_distance(photo, 0.15, 3)], 8: [axis(4)]})
    result = check(photo, {ID: at_distance(photo, 0.01, 1)}, others, calibration, rules)
    assert not result.flagged and result.findings == []
    assert result.nearest_other_record == 7
    assert result.nearest_other_score == pytest.approx(float(calibration.score(DEFAULT_MODEL, 0.06)))


def test_second_identity_scoring_above_the_own_reference_is_flagged_by_record(calibration, rules):
    photo = axis(0)
    own = at_distance(photo, 0.045, 1)  # a morph: only fairly close to its own reference...
    others = others_of({3: [axis(5)], 9: [at_distance(photo, 0.30, 2), at_distance(photo, 0.040, 3)]})
    result = check(photo, {ID: own}, others, calibration, rules)  # ...and closer still to record 9
    assert result.flagged
    [finding] = result.findings
    assert finding.reason is FusionReason.SECOND_IDENTITY
    assert finding.other_record_id == 9 and finding.score == result.nearest_other_score
    assert "record 9" in finding.detail and "ID-registry" in finding.detail


def test_second_identity_within_the_margin_is_flagged_and_just_outside_is_not(calibration, rules):
    photo = axis(0)
    own = at_distance(photo, 0.040, 1)
    own_score = float(calibration.score(DEFAULT_MODEL, 0.040))
    inside = calibration.distance_for(DEFAULT_MODEL, own_score - rules.second_identity.max_margin + 0.1)
    outside = calibration.distance_for(DEFAULT_MODEL, own_score - rules.second_identity.max_margin - 0.5)
    flagged = check(photo, {ID: own}, others_of({4: [at_distance(photo, inside, 2)]}), calibration, rules)
    quiet = check(photo, {ID: own}, others_of({4: [at_distance(photo, outside, 2)]}), calibration, rules)
    assert [f.reason for f in flagged.findings] == [FusionReason.SECOND_IDENTITY]
    assert FusionReason.SECOND_IDENTITY not in {f.reason for f in quiet.findings}


def test_a_photo_pulled_towards_another_student_is_flagged_and_a_look_alike_is_not(calibration, rules):
    photo = axis(0)
    own = at_distance(photo, 0.02, 1)
    # record 6's reference is close to the photo but on the far side of it from the student's own
    # reference: the photo is pulled towards record 6
    pulled = (0.965 * photo - np.sqrt(1 - 0.965**2) * axis(1)).astype(np.float32)
    result = check(photo, {ID: own}, others_of({6: [pulled]}), calibration, rules)
    assert [f.reason for f in result.findings] == [FusionReason.PULLED_TOWARDS]
    assert result.findings[0].other_record_id == 6 and "record 6" in result.findings[0].detail
    # a look-alike: record 6 resembles the student's own reference as much as the photo
    look_alike = at_distance(own, 0.06, 2)
    assert not check(photo, {ID: own}, others_of({6: [look_alike]}), calibration, rules).flagged
    # without a reference of its own there is nothing to measure the pull against
    assert FusionReason.PULLED_TOWARDS not in {
        f.reason for f in check(photo, {}, others_of({6: [pulled]}), calibration, rules).findings
    }


def test_an_other_identity_in_the_not_same_band_never_counts_even_when_ahead(calibration, rules):
    photo = axis(0)
    others = others_of({5: [at_distance(photo, 0.11, 2)]})  # scores below 50, yet above the own reference
    result = check(photo, {ID: at_distance(photo, 0.14, 1)}, others, calibration, rules)
    assert result.nearest_other_score <= rules.second_identity.min_score
    assert not result.flagged


def test_empty_batch_gives_no_nearest_identity_and_no_finding(calibration, rules):
    photo = axis(0)
    result = check_alone(photo, {ID: at_distance(photo, 0.02, 1)}, calibration, rules)
    assert (result.flagged, result.nearest_other_record, result.nearest_other_score) == (False, None, None)


def test_without_references_only_a_near_identical_other_face_is_flagged(calibration, rules):
    photo = axis(0)
    close = check(photo, {}, others_of({6: [at_distance(photo, 0.005, 1)]}), calibration, rules)
    look_alike = check(photo, {}, others_of({6: [at_distance(photo, 0.045, 1)]}), calibration, rules)
    assert [(f.reason, f.other_record_id) for f in close.findings] == [(FusionReason.SECOND_IDENTITY, 6)]
    assert "no usable reference" in close.findings[0].detail
    assert not look_alike.flagged and look_alike.nearest_other_record == 6


def test_photo_between_two_disagreeing_references_is_flagged(calibration, rules):
    id_photo, enrollment = axis(1), at_distance(axis(1), 0.20, 2)  # two different people
    photo = (id_photo + enrollment) / np.linalg.norm(id_photo + enrollment)  # a 50/50 blend of them
    result = check_alone(photo, {ID: id_photo, ENROLLMENT: enrollment}, calibration, rules)
    [finding] = result.findings
    assert finding.reason is FusionReason.BETWEEN_REFERENCES and finding.other_record_id is None
    assert finding.score >= rules.between_references.min_score
    assert "ID-registry photo and the enrollment photo" in finding.detail


def test_genuine_photo_with_a_wrong_enrollment_photo_or_agreeing_references_is_not_between(
    calibration, rules
):
    id_photo = axis(1)
    wrong_enrollment = at_distance(id_photo, 0.20, 2)
    genuine = at_distance(id_photo, 0.01, 3)
    mixed_up = check_alone(genuine, {ID: id_photo, ENROLLMENT: wrong_enrollment}, calibration, rules)
    same_person = at_distance(id_photo, 0.03, 2)
    between_agreeing = (id_photo + same_person) / np.linalg.norm(id_photo + same_person)
    agreeing = check_alone(between_agreeing, {ID: id_photo, ENROLLMENT: same_person}, calibration, rules)
    assert not mixed_up.flagged and not agreeing.flagged


def test_both_rules_report_together_and_as_dict_is_json(calibration, rules):
    id_photo, enrollment = axis(1), at_distance(axis(1), 0.20, 2)
    photo = (id_photo + enrollment) / np.linalg.norm(id_photo + enrollment)
    others = others_of({12: [enrollment]})  # the enrollment face is also another record's
    result = check(photo, {ID: id_photo, ENROLLMENT: enrollment}, others, calibration, rules)
    assert [f.reason for f in result.findings] == [
        FusionReason.SECOND_IDENTITY,
        FusionReason.BETWEEN_REFERENCES,
    ]
    payload = json.loads(json.dumps(result.as_dict()))
    assert payload["flagged"] is True and payload["nearest_other_record"] == 12
    assert payload["findings"][0]["reason"] == "second_identity"


def test_a_batch_of_ten_thousand_rows_finds_the_one_close_record(calibration, rules):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(10_000, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    photo = vectors[4321].copy()
    vectors[4321] = at_distance(photo, 0.02, 0)
    others = OtherIdentities(np.arange(10_000, dtype=np.int64) // 2, vectors)
    result = check(photo, {ID: at_distance(photo, 0.05, 1)}, others, calibration, rules)
    assert result.nearest_other_record == 4321 // 2
    assert [f.other_record_id for f in result.findings] == [4321 // 2]


def test_other_identities_refuse_ids_that_do_not_match_the_rows():
    with pytest.raises(ValueError, match="one id per row"):
        OtherIdentities(np.arange(3, dtype=np.int64), np.zeros((2, DIMENSIONS), dtype=np.float32))


def test_unusable_rules_file_is_an_error_naming_the_file(tmp_path):
    broken = tmp_path / "fusion_rules.toml"
    broken.write_text(
        'fitted_on = "x"\nfitted_at = "y"\n[second_identity]\nmin_score = 50.0\n', encoding="utf-8"
    )
    with pytest.raises(PhotoflowError, match=r"fusion_rules\.toml cannot be used"):
        load_fusion_rules(broken)
    with pytest.raises(PhotoflowError, match=r"missing\.toml cannot be used"):
        load_fusion_rules(tmp_path / "missing.toml")


# ---------------------------------------------------------------- real photos


def decode(path: Path) -> np.ndarray:
    with Image.open(path) as opened:
        return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))


def embed(embedder: FaceEmbedder, rgb: np.ndarray) -> np.ndarray:
    vector = embedder.embed(rgb)
    assert vector is not None, "no face found"
    return vector


def test_morph_of_two_london_students_names_the_second_and_their_own_photos_pass(
    embedder, calibration, rules
):
    students = ["001", "002", "010", "011"]  # record ids 1-4; 010 and 011 are morphed
    photos = {n: embed(embedder, decode(NEUTRAL / f"{s}_03.jpg")) for n, s in enumerate(students, 1)}
    references = {n: embed(embedder, decode(SMILING / f"{s}_08.jpg")) for n, s in enumerate(students, 1)}

    def others(record: int) -> OtherIdentities:
        rows = {n: [photos[n], references[n]] for n in photos if n != record}
        return others_of(rows)

    for record in photos:
        genuine = check(photos[record], {ID: references[record]}, others(record), calibration, rules)
        assert not genuine.flagged, genuine.as_dict()

    fused = morph(decode(NEUTRAL / "010_03.jpg"), decode(NEUTRAL / "011_03.jpg"), alpha=0.5)
    exported = np.asarray(Image.open(io.BytesIO(save_jpeg(fused, 90))).convert("RGB"))
    result = check(embed(embedder, exported), {ID: references[3]}, others(3), calibration, rules)
    assert result.flagged
    assert [(f.reason, f.other_record_id) for f in result.findings] == [(FusionReason.SECOND_IDENTITY, 4)]
