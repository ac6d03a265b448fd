"""Measure the face-fusion check on real photos and suggest its thresholds (data_contracts/fusion_rules.toml).

    .venv/bin/python benchmarks/calibrate_fusion.py [--cache /tmp/photoflow-fusion] [--seed 20261123]

Genuine side: a batch of the 102 London identities (photo NNN_03 neutral, reference NNN_08 smiling) with
the 20 Canada portraits as extra identities; per record, the nearest other identity's score and the
margin to the record's own score. Larger batches cannot be photographed, so they are extrapolated from the
per-pair impostor distances (London photo vs every other London photo and reference, and vs Canada):
a record is flagged in a batch of N when any of its 3 (N - 1) other vectors passes the rule, so
P(flag) = 1 - (1 - q)^(3 (N - 1)) with q the impostor rate at the record's own threshold; q comes from a
normal fit of the impostor distances where the data are too few to show it. LFW DevTest genuine pairs
(in-the-wild photos, years apart) stand in for a reference much older than the photo, as a stress case.

Fused side: for each London identity A, a partner B of the same gender (seeded), morphed with
`photoflow.sandbox.fraud_edits.morph` at alpha 0.3, 0.5 and 0.7 (the share of B) and saved as JPEG quality 90;
the morph replaces A's photo in the batch. Embeddings (photos and morphs) are cached under `--cache`,
outside the repository, so reruns take seconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere
os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # keep TensorFlow out of deepface

import argparse
import csv
import io
import random
from collections.abc import Callable

import numpy as np
from PIL import Image
from scipy import stats

from benchmarks.similarity_pairs import (
    DATASETS,
    LONDON_NEUTRAL,
    LONDON_SMILING,
    decode_rgb,
    embed_images,
    lfw_pairs,
    pair_distances,
)
from photoflow.sandbox.fraud_edits import morph, save_jpeg
from photoflow.similarity.embedding import DEFAULT_MODEL, get_embedder
from photoflow.similarity.fusion import FusionRules, OtherIdentities, check_fusion, load_fusion_rules
from photoflow.similarity.scoring import Calibration, load_calibration
from schemas.reasons import FusionReason
from schemas.similarity import ComparisonKind

CANADA = DATASETS / "id_portraits" / "canada_subset"
LONDON_INFO = DATASETS / "id_portraits" / "london_info.csv"
ALPHAS = (0.3, 0.5, 0.7)
JPEG_QUALITY = 90
BATCH_SIZES = (100, 1000, 5000)
VECTORS_PER_RECORD = 3  # two references and the current photo
FLAG_BUDGET = 0.015  # genuine records flagged in the largest batch
MARGINS = np.arange(0.0, 20.5, 0.5)
TAIL_SHARE = 0.05  # the lowest impostor distances the tail fit follows
MIN_EMPIRICAL = 20  # impostor pairs at or below a distance before the empirical rate is trusted
ID, ENROLLMENT = ComparisonKind.ID_REGISTRY, ComparisonKind.ENROLLMENT


def london() -> tuple[list[str], dict[str, Path], dict[str, Path], dict[str, str]]:
    photos = {path.name[:3]: path for path in sorted(LONDON_NEUTRAL.glob("*_03.jpg"))}
    references = {path.name[:3]: path for path in sorted(LONDON_SMILING.glob("*_08.jpg"))}
    with LONDON_INFO.open(newline="", encoding="utf-8") as handle:
        gender = {row["face_id"].zfill(3): row["face_gender"] for row in csv.DictReader(handle)}
    return sorted(photos), photos, references, gender


def partners(ids: list[str], gender: dict[str, str], seed: int) -> dict[str, str]:
    """For each A, a random other identity of the same gender: a stand-in is rarely chosen by likeness."""
    rng = random.Random(seed)
    return {a: rng.choice([b for b in ids if b != a and gender.get(b) == gender.get(a)]) for a in ids}


def morph_vectors(
    pairs: dict[str, str], photos: dict[str, Path], cache: Path, version: str
) -> dict[tuple[str, str, float], np.ndarray | None]:
    """Embeddings of every morph, from `cache` where present; the morph is rebuilt and embedded otherwise."""
    file = cache / "morphs_Dlib.npz"
    stored: dict[str, np.ndarray] = {}
    if file.exists():
        with np.load(file) as loaded:
            stored = {key: loaded[key] for key in loaded.files}
    key_of = {
        (a, b, alpha): f"{version}|{a}|{b}|{alpha}|{JPEG_QUALITY}"
        for a, b in pairs.items()
        for alpha in ALPHAS
    }
    missing = [item for item, key in key_of.items() if key not in stored]
    if missing:
        print(f"  morphing and embedding {len(missing)} morphs ...", flush=True)
        embedder = get_embedder(DEFAULT_MODEL, str(cache / "deepface"))
        for done, (a, b, alpha) in enumerate(missing, 1):
            fused = morph(decode_rgb(photos[a]), decode_rgb(photos[b]), alpha)
            exported = np.asarray(Image.open(io.BytesIO(save_jpeg(fused, JPEG_QUALITY))).convert("RGB"))
            vector = embedder.embed(exported)
            stored[key_of[(a, b, alpha)]] = np.zeros(0, np.float32) if vector is None else vector
            if done % 50 == 0:
                print(f"    {done}/{len(missing)}", flush=True)
        np.savez_compressed(file, **stored)
    return {item: (stored[key] if stored[key].size else None) for item, key in key_of.items()}


class Batch:
    """The London batch: record n has photo n and reference n; each Canada portrait is a one-row record."""

    def __init__(
        self,
        ids: list[str],
        photo: dict[str, np.ndarray],
        reference: dict[str, np.ndarray],
        extra: list[np.ndarray],
    ) -> None:
        self.ids = ids
        self.photo, self.reference = photo, reference
        rows = [(n, photo[i]) for n, i in enumerate(ids)] + [(n, reference[i]) for n, i in enumerate(ids)]
        rows += [(len(ids) + n, vector) for n, vector in enumerate(extra)]
        self.record_ids = np.array([n for n, _ in rows], dtype=np.int64)
        self.vectors = np.stack([v for _, v in rows]).astype(np.float32)
        self.is_photo = np.arange(len(rows)) < len(ids)

    def others(self, record: int, without_photo_of: int | None = None) -> OtherIdentities:
        """Every other record's rows; `without_photo_of` also leaves out that record's current photo."""
        keep = self.record_ids != record
        if without_photo_of is not None:
            keep &= ~(self.is_photo & (self.record_ids == without_photo_of))
        return OtherIdentities(self.record_ids[keep], self.vectors[keep])


def impostor_distances(batch: Batch) -> np.ndarray:
    """Photo i against every other record's vectors: the per-pair distances a batch is made of."""
    photos = np.stack([batch.photo[i] for i in batch.ids])
    similarities = photos @ batch.vectors.T
    mask = batch.record_ids[None, :] != np.arange(len(batch.ids))[:, None]
    return 1.0 - similarities[mask]


def impostor_rate(impostors: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """P(impostor distance <= d): empirical where MIN_EMPIRICAL pairs lie below d, else a normal tail.

    The tail is a normal fitted to the lowest TAIL_SHARE of the pairs (a line through their normal
    quantile plot): a normal fitted to all pairs puts far too many impostors at small distances here.
    """
    ordered = np.sort(impostors)
    count = max(MIN_EMPIRICAL, round(TAIL_SHARE * len(ordered)))
    z = stats.norm.ppf((np.arange(count) + 0.5) / len(ordered))
    sd, mean = np.polyfit(z, ordered[:count], 1)
    floor = ordered[MIN_EMPIRICAL - 1]

    def rate(distance: np.ndarray) -> np.ndarray:
        empirical = np.searchsorted(ordered, distance, side="right") / len(ordered)
        return np.where(distance >= floor, empirical, stats.norm.cdf(distance, mean, sd))

    whole_mean, whole_sd = stats.norm.fit(impostors)
    print(
        f"  impostor pairs: {len(impostors)}; smallest {ordered[0]:.4f}; 0.1% quantile "
        f"{np.quantile(impostors, 0.001):.4f}; normal tail fit (lowest {100 * TAIL_SHARE:.0f}%) puts it at "
        f"{stats.norm.ppf(0.001, mean, sd):.4f} (a whole-distribution normal: "
        f"{stats.norm.ppf(0.001, whole_mean, whole_sd):.4f}); the tail fit's 1e-6 quantile "
        f"{stats.norm.ppf(1e-6, mean, sd):.4f}"
    )
    return rate


def batch_flag_rate(
    own_scores: np.ndarray,
    margin: float,
    min_score: float,
    rate,
    model: str,
    calibration: Calibration,
    size: int,
) -> float:
    """Expected share of genuine records flagged by SECOND_IDENTITY in a batch of `size` records."""
    threshold = np.maximum(own_scores - margin, min_score + 0.05)
    distances = np.array([calibration.distance_for(model, float(t)) for t in threshold])
    q = rate(distances)
    return float(np.mean(1.0 - (1.0 - q) ** (VECTORS_PER_RECORD * (size - 1))))


def share(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):.1f}% ({sum(flags)}/{len(flags)})" if flags else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/photoflow-fusion"))
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    calibration, rules, model = load_calibration(), load_fusion_rules(), DEFAULT_MODEL
    score = lambda distance: calibration.score(model, distance)  # noqa: E731

    ids, photo_paths, reference_paths, gender = london()
    canada = sorted(CANADA.glob("*.jpg"))
    lfw = lfw_pairs()
    paths = [
        *photo_paths.values(),
        *reference_paths.values(),
        *canada,
        *{p for pair in lfw for p in (pair.left, pair.right)},
    ]
    embeddings = embed_images(paths, model_name=model, out=args.cache, home=args.cache / "deepface")
    vec = embeddings.vectors
    if any(vec[path] is None for path in [*photo_paths.values(), *reference_paths.values(), *canada]):
        raise SystemExit("a London or Canada portrait has no face found; the batch needs all of them")
    batch = Batch(
        ids,
        {i: vec[photo_paths[i]] for i in ids},
        {i: vec[reference_paths[i]] for i in ids},
        [vec[path] for path in canada],
    )
    own = np.array([score(1.0 - batch.photo[i] @ batch.reference[i]) for i in ids])
    lfw_genuine = pair_distances([pair for pair in lfw if pair.same], embeddings)
    lfw_own = score(lfw_genuine[~np.isnan(lfw_genuine)])
    lfw_own = lfw_own[lfw_own >= calibration.same_from]  # the rest are held by stage 3 anyway

    print(f"\n== Genuine batch: {len(ids)} London records + {len(canada)} Canada identities")
    checks = [
        check_fusion(
            batch.photo[i],
            {ID: batch.reference[i]},
            batch.others(n),
            model=model,
            calibration=calibration,
            rules=rules,
        )
        for n, i in enumerate(ids)
    ]
    nearest = np.array([check.nearest_other_score for check in checks])
    margins = own - nearest
    print(f"  own score: median {np.median(own):.1f}, lowest {own.min():.1f}")
    print(
        f"  nearest other identity's score: median {np.median(nearest):.1f}, 95th pct "
        f"{np.percentile(nearest, 95):.1f}, highest {nearest.max():.1f}"
    )
    print(
        f"  margin own - nearest: lowest {margins.min():.1f}, 5th pct {np.percentile(margins, 5):.1f}, "
        f"median {np.median(margins):.1f}"
    )
    print(f"  flagged with the committed rules: {share([c.flagged for c in checks])}")
    rate = impostor_rate(impostor_distances(batch))

    pairs = partners(ids, gender, args.seed)
    morphs = morph_vectors(pairs, photo_paths, args.cache, embeddings.model.version)
    index = {i: n for n, i in enumerate(ids)}

    def morph_margins(alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """(own score, own - B's best score) per morph at `alpha`; NaN where the morph shows no face."""
        owns, gaps = [], []
        for a, b in pairs.items():
            vector = morphs[(a, b, alpha)]
            if vector is None:
                owns.append(np.nan), gaps.append(np.nan)
                continue
            mine = score(1.0 - vector @ batch.reference[a])
            theirs = score(1.0 - max(vector @ batch.reference[b], vector @ batch.photo[b]))
            owns.append(mine), gaps.append(mine - theirs)
        return np.array(owns), np.array(gaps)

    print(f"\n== Suggested SECOND_IDENTITY margin (other score > {rules.second_identity.min_score:.0f})")
    print(
        "  margin | genuine flagged, batch of "
        + " / ".join(map(str, BATCH_SIZES))
        + " (London; LFW genuine 85+ in brackets) | 50/50 morphs with own - B <= margin"
    )
    suggested = 0.0
    _, gaps = morph_margins(0.5)
    for margin in MARGINS:
        london_rates = [
            batch_flag_rate(own, margin, rules.second_identity.min_score, rate, model, calibration, n)
            for n in BATCH_SIZES
        ]
        lfw_rates = [
            batch_flag_rate(lfw_own, margin, rules.second_identity.min_score, rate, model, calibration, n)
            for n in BATCH_SIZES
        ]
        if london_rates[-1] <= FLAG_BUDGET:
            suggested = margin
        if margin % 2 == 0 or margin == suggested:
            cells = " / ".join(
                f"{100 * x:.2f}% [{100 * y:.1f}%]" for x, y in zip(london_rates, lfw_rates, strict=True)
            )
            print(f"  {margin:5.1f}  | {cells} | {100 * np.mean(gaps[~np.isnan(gaps)] <= margin):.1f}%")
    print(
        f"  suggested max_margin: {suggested:.1f} (largest with <= {100 * FLAG_BUDGET:.1f}% of London "
        f"genuine records flagged in a batch of {BATCH_SIZES[-1]}; "
        f"committed: {rules.second_identity.max_margin})"
    )

    distances = np.linspace(0.0, 0.1, 10001)
    in_budget = 1.0 - (1.0 - rate(distances)) ** (VECTORS_PER_RECORD * (BATCH_SIZES[-1] - 1)) <= FLAG_BUDGET
    alone = score(distances[in_budget].max())
    print(
        f"  suggested alone_min_score (no usable reference): {alone:.1f} (committed "
        f"{rules.second_identity.alone_min_score})"
    )

    between_floor = score(np.quantile(impostor_distances(batch), 0.01))
    print(
        f"\n== Suggested BETWEEN_REFERENCES min_score: {between_floor:.1f} (the score 1% of impostor pairs "
        f"reach; committed {rules.between_references.min_score})"
    )
    mixed_up = [
        check_fusion(
            batch.photo[a],
            {ID: batch.reference[a], ENROLLMENT: batch.reference[j]},
            OtherIdentities.empty(len(batch.photo[a])),
            model=model,
            calibration=calibration,
            rules=rules,
        ).flagged
        for a in ids
        for j in ids
        if j != a
    ]
    print(f"  genuine photo, enrollment photo of someone else (every London pair): flagged {share(mixed_up)}")

    report_pulled(batch, ids, pairs, morphs, index, model, calibration, rules)

    print("\n== Morphs (A's photo replaced by morph(A, B, alpha); others include B's reference and photo)")
    for alpha in ALPHAS:
        report_morphs(alpha, pairs, morphs, batch, index, model, calibration, rules)


def report_pulled(
    batch: Batch,
    ids: list[str],
    pairs: dict[str, str],
    morphs,
    index: dict[str, int],
    model: str,
    calibration: Calibration,
    rules: FusionRules,
) -> None:
    """PULLED_TOWARDS: how far genuine photos are lifted towards other references, and morphs."""
    rule = rules.pulled_towards
    references = np.stack([batch.reference[i] for i in ids])
    photos = np.stack([batch.photo[i] for i in ids])
    to_photo = calibration.score(model, 1.0 - photos @ references.T)
    to_own = calibration.score(model, 1.0 - references @ references.T)
    off = ~np.eye(len(ids), dtype=bool)
    candidates = off & (to_photo >= rule.min_score)
    lifts = (to_photo - to_own)[candidates]
    share_candidates = candidates.sum() / off.sum()
    print(f"\n== Suggested PULLED_TOWARDS (another reference scoring >= {rule.min_score:.0f})")
    print(
        f"  genuine lifts over {lifts.size} pairs ({100 * share_candidates:.1f}% of pairs): mean "
        f"{lifts.mean():.1f}, sd {lifts.std():.1f}, highest {lifts.max():.1f}"
    )
    sizes = " / ".join(map(str, BATCH_SIZES))
    print(
        f"  min_lift | per pair (normal tail) | genuine flagged, batch of {sizes} | 50/50 morphs flagged "
        "naming B (B's reference only)"
    )
    for lift in (15.0, 20.0, 25.0, 30.0):
        per_pair = stats.norm.sf(lift, lifts.mean(), lifts.std())
        batches = [1 - (1 - per_pair) ** (2 * (n - 1) * share_candidates) for n in BATCH_SIZES]
        named = []
        for a, b in pairs.items():
            vector = morphs[(a, b, 0.5)]
            if vector is None:
                named.append(False)
                continue
            others = OtherIdentities(
                np.array([index[j] for j in ids if j != a], np.int64),
                np.stack([batch.reference[j] for j in ids if j != a]),
            )
            lifted = rules.model_copy(update={"pulled_towards": rule.model_copy(update={"min_lift": lift})})
            check = check_fusion(
                vector, {ID: batch.reference[a]}, others, model=model, calibration=calibration, rules=lifted
            )
            named.append(any(f.other_record_id == index[b] for f in check.findings))
        cells = " / ".join(f"{100 * rate:.2f}%" for rate in batches)
        print(f"  {lift:8.1f} | {per_pair:.1e} | {cells} | {share(named)}")
    print(f"  committed min_lift: {rule.min_lift}")


def report_morphs(
    alpha: float,
    pairs: dict[str, str],
    morphs,
    batch: Batch,
    index: dict[str, int],
    model: str,
    calibration: Calibration,
    rules: FusionRules,
) -> None:
    second, second_pass, between, without_photo, found = [], [], [], [], 0
    for a, b in pairs.items():
        vector = morphs[(a, b, alpha)]
        if vector is None:
            second.append(False), between.append(False), without_photo.append(False)
            continue
        found += 1
        others = batch.others(index[a])
        check = check_fusion(
            vector, {ID: batch.reference[a]}, others, model=model, calibration=calibration, rules=rules
        )
        hit = any(
            f.reason is FusionReason.SECOND_IDENTITY and f.other_record_id == index[b] for f in check.findings
        )
        second.append(hit)
        own = float(calibration.score(model, 1.0 - vector @ batch.reference[a]))
        if own >= calibration.same_from:
            second_pass.append(hit)
        reduced = batch.others(index[a], without_photo_of=index[b])
        check = check_fusion(
            vector, {ID: batch.reference[a]}, reduced, model=model, calibration=calibration, rules=rules
        )
        without_photo.append(any(f.other_record_id == index[b] for f in check.findings))
        check = check_fusion(
            vector,
            {ID: batch.reference[a], ENROLLMENT: batch.reference[b]},
            OtherIdentities.empty(vector.shape[0]),
            model=model,
            calibration=calibration,
            rules=rules,
        )
        between.append(any(f.reason is FusionReason.BETWEEN_REFERENCES for f in check.findings))
    print(
        f"  alpha {alpha}: {found}/{len(pairs)} morphs with a face; SECOND_IDENTITY naming B: "
        f"{share(second)}; "
        f"of those scoring 85+ to A (would pass stage 3): {share(second_pass)}; with B's photo not in the "
        f"batch (B's reference only): {share(without_photo)}; BETWEEN_REFERENCES (enrollment photo = B): "
        f"{share(between)}"
    )


if __name__ == "__main__":
    main()
