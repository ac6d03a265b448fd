"""Fit the map from cosine distance to the platform's 0-100 similarity score, on real pairs, and report it.

    .venv/bin/python benchmarks/calibrate_similarity.py [--model Dlib] [--out data/similarity] [--fresh]

Fitted on the 1000 pairs of LFW View 1 DevTest (500 same person, 500 not); checked on them, on a 2-fold
identity-disjoint split of them (fit on one half of the identities, score the other half) and on the
London ID-style set (102 neutral-vs-smiling genuine pairs, 10,302 impostor pairs). Knots:

    (0, 100)  (d_same, 85)  (d_diff, 50)  (d_typical, 20)  (1, 0)

d_same: the distance below which impostor pairs are rarer than 0.1% (the FAR target of the 85+ band): the
0.001 quantile of a distribution fitted to the impostor distances (the one of normal / log-normal / beta
that follows the empirical lower tail best), never above the smallest impostor distance seen; 500
impostors say nothing about an empirical 0.1% quantile. d_diff: the distance of best LFW verification
accuracy. d_typical: the median impostor distance. Writes `data_contracts/similarity_calibration.toml`
(other models' entries kept), `docs/similarity_calibration.md` and `.png`, and every pair's distance and
score under `--out`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere
os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # keep TensorFlow out of deepface

import csv
import json
import random
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy import stats

from benchmarks.similarity_pairs import (
    ROOT,
    BandFigures,
    Embeddings,
    Pair,
    band_figures,
    embed_images,
    embedding_arguments,
    image_paths,
    lfw_pairs,
    london_pairs,
    pair_distances,
    percent,
    scores_of,
    timing_line,
)
from photoflow.similarity.scoring import CALIBRATION_FILE, Calibration, ModelCalibration, load_calibration

SAME_FROM, DIFFERENT_TO = 85.0, 50.0
KNOT_SCORES = [100.0, SAME_FROM, DIFFERENT_TO, 20.0, 0.0]
FAR_TARGET = 0.001  # impostors scoring 85+
GENUINE_TARGET = 0.99  # London ID-style genuine pairs scoring 85+
TAIL_QUANTILES = (0.01, 0.02, 0.03, 0.05, 0.10)  # where a fitted lower tail is compared with the data
DOCS = ROOT / "docs"
REPORT = DOCS / "similarity_calibration.md"
FIGURE = DOCS / "similarity_calibration.png"
FOLD_SEED = 20261122
PLAUSIBLE = 0.05  # a fit whose test p-value falls below this is rejected by the data
RULES = ("conservative", "best-tail")  # how the fit that gives d_same is chosen; see choose_tail


# ---------------------------------------------------------------- fitting


@dataclass(frozen=True)
class TailFit:
    name: str
    q001: float  # the fitted 0.001 quantile
    tail_rms: float  # RMS distance between fitted and empirical quantiles at TAIL_QUANTILES
    ks_p: float  # Kolmogorov-Smirnov p-value over the whole distribution (parameters fitted: optimistic)
    expected_below_min: float  # impostors the fit expects below the smallest one seen, per sample size
    p_min: float  # the fit's chance that the smallest of n impostors lies at or below the one seen

    @property
    def plausible(self) -> bool:
        """Not rejected by the data: neither the whole distribution nor the smallest impostor seen."""
        return self.ks_p >= PLAUSIBLE and self.p_min >= PLAUSIBLE


def tail_fits(impostor: np.ndarray) -> list[TailFit]:
    """Normal, log-normal and beta fits to impostor distances, judged on the lower tail."""
    scale = 1.0 if impostor.max() < 1.0 else 2.0  # cosine distance of unit vectors lies in [0, 2]
    candidates = {
        "normal": stats.norm(*stats.norm.fit(impostor)),
        "log-normal": stats.lognorm(*stats.lognorm.fit(impostor, floc=0)),
        "beta": stats.beta(*stats.beta.fit(impostor, floc=0, fscale=scale)),
    }
    empirical = np.quantile(impostor, TAIL_QUANTILES)
    fits = []
    for name, frozen in candidates.items():
        fitted = frozen.ppf(TAIL_QUANTILES)
        fits.append(
            TailFit(
                name=name,
                q001=float(frozen.ppf(FAR_TARGET)),
                tail_rms=float(np.sqrt(np.mean((fitted - empirical) ** 2))),
                ks_p=float(stats.kstest(impostor, frozen.cdf).pvalue),
                expected_below_min=float(frozen.cdf(impostor.min()) * len(impostor)),
                p_min=float(1 - (1 - frozen.cdf(impostor.min())) ** len(impostor)),
            )
        )
    return sorted(fits, key=lambda fit: fit.tail_rms)


def best_accuracy_threshold(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """The distance (accept at or below) of best verification accuracy, mid-way in its widest best gap."""
    values = np.unique(np.concatenate([genuine, impostor]))
    cuts = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    correct = np.array([(genuine <= cut).sum() + (impostor > cut).sum() for cut in cuts])
    best = np.flatnonzero(correct == correct.max())
    runs = np.split(best, np.flatnonzero(np.diff(best) > 1) + 1)  # contiguous best cuts
    widest = max(runs, key=lambda run: values[min(run[-1], len(values) - 1)] - values[max(run[0] - 1, 0)])
    low = values[max(widest[0] - 1, 0)]  # the best gap lies between these two observed distances
    high = values[min(widest[-1], len(values) - 1)]
    return float((low + high) / 2), float(correct.max() / (len(genuine) + len(impostor)))


@dataclass
class Fit:
    genuine: int
    impostor: int
    tails: list[TailFit]
    min_impostor: float
    d_same: float
    d_same_reason: str
    d_diff: float
    accuracy: float
    d_typical: float
    rule: str
    chosen: str  # the fit whose 0.001 quantile was taken
    notes: list[str] = field(default_factory=list)

    @property
    def distances(self) -> list[float]:
        return [0.0, self.d_same, self.d_diff, self.d_typical, 1.0]


def choose_tail(tails: list[TailFit], rule: str) -> TailFit:
    """`conservative`: the smallest 0.001 quantile among the fits the data do not reject (all fits when
    every one is rejected); `best-tail`: the fit closest to the empirical 1-10% quantiles."""
    if rule == "best-tail":
        return min(tails, key=lambda tail: tail.tail_rms)
    plausible = [tail for tail in tails if tail.plausible] or tails
    return min(plausible, key=lambda tail: tail.q001)


def fit_knots(distances: np.ndarray, same: np.ndarray, rule: str = "conservative") -> Fit:
    """The knots from one set of pairs (pairs that could not be compared carry no distance: left out)."""
    ok = ~np.isnan(distances)
    genuine, impostor = distances[ok & same], distances[ok & ~same]
    tails = tail_fits(impostor)
    min_impostor = float(impostor.min())
    chosen = choose_tail(tails, rule)
    if chosen.q001 <= min_impostor:
        d_same, reason = chosen.q001, f"0.001 quantile of the {chosen.name} fit"
    else:
        d_same, reason = (
            min_impostor,
            f"smallest impostor distance (the {chosen.name} 0.001 quantile is above)",
        )
    d_same = float(np.floor(d_same * 1e4) / 1e4)  # rounded down: never above the bound
    d_diff, accuracy = best_accuracy_threshold(genuine, impostor)
    d_diff = round(d_diff, 4)
    d_typical = round(float(np.median(impostor)), 4)
    notes = []
    if d_same >= d_diff:
        # FAR is already below 0.1% at the accuracy threshold: the 85 knot is the binding one; put the 50
        # knot mid-way between it and the median impostor, so "possibly" still covers a real interval
        notes.append(
            f"d_same {d_same:.4f} >= best-accuracy distance {d_diff:.4f}: the 50 knot moved to mid-way "
            f"between d_same and the impostor median"
        )
        d_diff = round((d_same + d_typical) / 2, 4)
    if d_typical <= d_diff:
        notes.append(f"impostor median {d_typical:.4f} <= d_diff: the 20 knot set mid-way to 1.0")
        d_typical = round((d_diff + 1.0) / 2, 4)
    return Fit(
        len(genuine),
        len(impostor),
        tails,
        min_impostor,
        d_same,
        reason,
        d_diff,
        accuracy,
        d_typical,
        rule,
        chosen.name,
        notes,
    )


def calibration_of(fit: Fit, model: str, version: str, fitted_on: str) -> Calibration:
    entry = ModelCalibration(
        model=model,
        model_version=version,
        metric="cosine",
        distances=fit.distances,
        scores=KNOT_SCORES,
        fitted_on=fitted_on,
        fitted_at=date.today().isoformat(),
    )
    return Calibration(same_from=SAME_FROM, different_to=DIFFERENT_TO, models={model: entry})


# ---------------------------------------------------------------- identity-disjoint folds


def identity_folds(pairs: list[Pair]) -> list[np.ndarray]:
    """Two boolean masks over `pairs`; no identity appears in both folds and every pair is in one.

    Identities linked by any pair form a component; whole components go to the fold with fewer pairs
    (in a seeded random order), so both folds get about half of the genuine and impostor pairs.
    """
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for pair in pairs:
        parent[root(pair.identities[0])] = root(pair.identities[1])
    components: dict[str, list[int]] = {}
    for row, pair in enumerate(pairs):
        components.setdefault(root(pair.identities[0]), []).append(row)
    order = sorted(components.values())
    random.Random(FOLD_SEED).shuffle(order)
    order.sort(key=len, reverse=True)  # big components first, then greedy balancing
    folds: list[list[int]] = [[], []]
    for rows in order:
        genuine = [sum(pairs[r].same for r in fold) for fold in folds]
        impostor = [len(fold) - g for fold, g in zip(folds, genuine, strict=True)]
        needs_impostor = any(not pairs[r].same for r in rows)
        load = impostor if needs_impostor else genuine
        folds[int(load[1] < load[0])].extend(rows)
    masks = []
    for fold in folds:
        mask = np.zeros(len(pairs), dtype=bool)
        mask[fold] = True
        masks.append(mask)
    return masks


# ---------------------------------------------------------------- evaluation


@dataclass
class Result:
    name: str
    genuine: BandFigures
    impostor: BandFigures


def evaluate(
    distances: np.ndarray, same: np.ndarray, calibration: Calibration, model: str, name: str
) -> Result:
    scores = scores_of(distances, calibration, model)
    return Result(name, band_figures(scores[same], calibration), band_figures(scores[~same], calibration))


def upper_95(count: int, total: int) -> float:
    """One-sided 95% Clopper-Pearson upper bound of a rate seen as count/total."""
    return 1.0 if count >= total else float(stats.beta.ppf(0.95, count + 1, total - count))


@dataclass
class Data:
    model: str
    version: str
    lfw: list[Pair]
    lfw_d: np.ndarray
    lfw_same: np.ndarray
    london: list[Pair]
    london_d: np.ndarray
    london_same: np.ndarray
    folds: list[np.ndarray]


@dataclass
class Outcome:
    """One way of fitting, fitted on all LFW pairs and cross-checked on identity-disjoint folds."""

    fit: Fit
    calibration: Calibration
    fold_fits: list[Fit]
    in_sample: Result
    cross: list[Result]
    pooled: Result
    london: Result


def fitted_on(data: Data, fit: Fit) -> str:
    compared = ~np.isnan(data.lfw_d)
    return (
        f"lfw_devtest (LFW View 1 DevTest, deepfunneled): {int(data.lfw_same.sum())} genuine + "
        f"{int((~data.lfw_same).sum())} impostor pairs ({int((compared & data.lfw_same).sum())} + "
        f"{int((compared & ~data.lfw_same).sum())} compared); 85 at {fit.d_same_reason} ({fit.rule} rule), "
        f"50 at best accuracy, 20 at the impostor median"
    )


def run_rule(data: Data, rule: str) -> Outcome:
    fit = fit_knots(data.lfw_d, data.lfw_same, rule)
    calibration = calibration_of(fit, data.model, data.version, fitted_on(data, fit))
    fold_fits, cross = [], []
    for k in (0, 1):
        fit_mask, test_mask = data.folds[k], data.folds[1 - k]
        fold_fit = fit_knots(data.lfw_d[fit_mask], data.lfw_same[fit_mask], rule)
        fold_fits.append(fold_fit)
        fold_calibration = calibration_of(fold_fit, data.model, data.version, "one fold")
        cross.append(
            evaluate(
                data.lfw_d[test_mask],
                data.lfw_same[test_mask],
                fold_calibration,
                data.model,
                f"LFW fold {2 - k} scored by the fit on fold {k + 1}",
            )
        )
    pooled = Result(
        "LFW cross-check, both folds pooled (out of sample)",
        cross[0].genuine + cross[1].genuine,
        cross[0].impostor + cross[1].impostor,
    )
    return Outcome(
        fit=fit,
        calibration=calibration,
        fold_fits=fold_fits,
        in_sample=evaluate(data.lfw_d, data.lfw_same, calibration, data.model, "LFW devtest, in-sample"),
        cross=cross,
        pooled=pooled,
        london=evaluate(
            data.london_d,
            data.london_same,
            calibration,
            data.model,
            "London neutral vs smiling (not used in the fit)",
        ),
    )


# ---------------------------------------------------------------- printing


def result_lines(result: Result, *, london: bool) -> list[str]:
    g, i = result.genuine, result.impostor
    far_ok = i.same / i.pairs <= FAR_TARGET
    genuine_target = ""
    if london:
        genuine_target = f"  [target >= 99%: {'PASS' if g.same / g.pairs >= GENUINE_TARGET else 'FAIL'}]"
    return [
        f"{result.name}: {g.pairs} genuine, {i.pairs} impostor pairs",
        f"  impostor FAR in 85+ band:    {percent(i.same, i.pairs)}  [target <= 0.1%: "
        f"{'PASS' if far_ok else 'FAIL'}; one-sided 95% upper bound {100 * upper_95(i.same, i.pairs):.2f}%]",
        f"  impostor in 50-85:           {percent(i.possible, i.pairs)}",
        f"  impostor <= 50:              {percent(i.different, i.pairs)}",
        f"  genuine 85+ (TAR same):      {percent(g.same, g.pairs)}{genuine_target}",
        f"  genuine in 50-85:            {percent(g.possible, g.pairs)}",
        f"  genuine <= 50:               {percent(g.different, g.pairs)}",
        f"  TAR at the 50 line (>50):    {percent(g.above_50, g.pairs)}",
        f"  not compared (no face):      genuine {g.failed}, impostor {i.failed} (counted in no band)",
    ]


def fit_lines(fit: Fit) -> list[str]:
    lines = [
        f"  impostor distances: {fit.impostor} compared, smallest {fit.min_impostor:.4f}",
        "  fits to the impostor distances (tail RMS: fitted - empirical quantiles at 1/2/3/5/10%;",
        "  P(min): the fit's chance that the smallest of them lies at or below the one seen):",
    ]
    for tail in fit.tails:
        flag = "plausible" if tail.plausible else "rejected"
        lines.append(
            f"    {tail.name:10s} q0.001 = {tail.q001:.4f}  tail RMS = {tail.tail_rms:.4f}  "
            f"KS p = {tail.ks_p:.3f}"
            f"  P(min) = {tail.p_min:.3f}  ({flag})"
        )
    lines += [
        f"  d_same (85) = {fit.d_same:.4f}  [{fit.d_same_reason}; {fit.rule} rule]",
        f"  d_diff (50) = {fit.d_diff:.4f}  [best accuracy {100 * fit.accuracy:.2f}% on "
        f"{fit.genuine + fit.impostor} compared pairs]",
        f"  d_typical (20) = {fit.d_typical:.4f}  [impostor median]",
    ]
    return lines + [f"  NOTE: {note}" for note in fit.notes]


def knots_text(fit: Fit) -> str:
    return ", ".join(f"({d:.4f}, {s:g})" for d, s in zip(fit.distances, KNOT_SCORES, strict=True))


def rate(count: int, total: int) -> str:
    return f"{100 * count / total:.2f}% ({count}/{total})"


def comparison_rows(outcomes: list[Outcome]) -> list[list[str]]:
    rows = [
        [
            "rule",
            "d_same",
            "FAR 85+ LFW in",
            "FAR 85+ LFW cross",
            "FAR 85+ London",
            "genuine 85+ London",
            "genuine 85+ LFW in",
            "genuine 85+ LFW cross",
        ]
    ]
    for o in outcomes:
        rows.append(
            [
                f"{o.fit.rule} ({o.fit.chosen})",
                f"{o.fit.d_same:.4f}",
                rate(o.in_sample.impostor.same, o.in_sample.impostor.pairs),
                rate(o.pooled.impostor.same, o.pooled.impostor.pairs),
                rate(o.london.impostor.same, o.london.impostor.pairs),
                rate(o.london.genuine.same, o.london.genuine.pairs),
                rate(o.in_sample.genuine.same, o.in_sample.genuine.pairs),
                rate(o.pooled.genuine.same, o.pooled.genuine.pairs),
            ]
        )
    return rows


# ---------------------------------------------------------------- outputs


def write_toml(calibration: Calibration, path: Path) -> None:
    """Writes the calibration; entries of other models already in the file are kept."""
    models = dict(calibration.models)
    if path.exists():
        load_calibration.cache_clear()
        try:
            models = {**load_calibration(path).models, **models}
        except Exception as error:  # an unreadable old file is replaced, with a word about it
            print(f"  (the old {path.name} could not be read and is replaced: {error})")
    lines = [
        "# Similarity score calibration: cosine distance -> score 0-100, piecewise-linear (np.interp).",
        "# Generated by benchmarks/calibrate_similarity.py; method, figures: docs/similarity_calibration.md",
        "# Knots per model: (0, 100) (d_same, 85) (d_diff, 50) (impostor median, 20) (1, 0).",
        f"same_from = {calibration.same_from!r}",
        f"different_to = {calibration.different_to!r}",
    ]
    for name in sorted(models):
        entry = models[name]
        lines += [
            "",
            f"[models.{name if name.replace('_', '').replace('-', '').isalnum() else json.dumps(name)}]",
            f"model = {json.dumps(entry.model)}",
            f"model_version = {json.dumps(entry.model_version)}",
            f"metric = {json.dumps(entry.metric)}",
            f"distances = [{', '.join(repr(float(d)) for d in entry.distances)}]",
            f"scores = [{', '.join(repr(float(s)) for s in entry.scores)}]",
            f"fitted_on = {json.dumps(entry.fitted_on, ensure_ascii=False)}",
            f"fitted_at = {json.dumps(entry.fitted_at)}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_figure(panels: list[tuple[str, np.ndarray, np.ndarray]], path: Path, model: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.6), constrained_layout=True)
    bins = np.arange(0, 102.5, 2.5)
    for axis, (title, genuine, impostor) in zip(np.atleast_1d(axes), panels, strict=True):
        g, i = genuine[~np.isnan(genuine)], impostor[~np.isnan(impostor)]
        axis.hist(i, bins=bins, color="tab:red", alpha=0.6, label=f"impostor pairs ({len(i)})")
        axis.hist(g, bins=bins, color="tab:green", alpha=0.6, label=f"genuine pairs ({len(g)})")
        axis.axvline(
            DIFFERENT_TO, color="black", linestyle="--", linewidth=1, label="50: not the same at or below"
        )
        axis.axvline(SAME_FROM, color="black", linestyle="-", linewidth=1, label="85: same person from here")
        axis.set_yscale("log")
        axis.set_xlim(0, 100)
        axis.set_xlabel("similarity score")
        axis.set_ylabel("pairs (log scale)")
        not_compared = len(genuine) - len(g) + len(impostor) - len(i)
        axis.set_title(f"{title}\n{not_compared} pairs not compared (no face found)", fontsize=10)
        axis.legend(fontsize=8, loc="upper center")
    figure.suptitle(f"Similarity scores of genuine and impostor pairs, model {model}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_pairs_csv(path: Path, rows: list[tuple[str, Pair, float, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["set", "image1", "image2", "same_person", "distance", "score"])
        for name, pair, distance, score in rows:
            writer.writerow(
                [
                    name,
                    pair.left,
                    pair.right,
                    int(pair.same),
                    "" if np.isnan(distance) else f"{distance:.6f}",
                    "" if np.isnan(score) else f"{score:.1f}",
                ]
            )


def markdown_table(rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])] + [
        "| " + " | ".join(row) + " |" for row in rows[1:]
    ]


def band_rows(results: list[Result]) -> list[list[str]]:
    def p(count: int, total: int) -> str:
        return f"{100 * count / total:.2f}% ({count})"

    rows = [
        [
            "set",
            "genuine pairs",
            "85+",
            "50-85",
            "<=50",
            "TAR at 50",
            "impostor pairs",
            "**FAR 85+** (95% upper)",
            "50-85",
            "<=50",
            "not compared g / i",
        ]
    ]
    for r in results:
        g, i = r.genuine, r.impostor
        rows.append(
            [
                r.name,
                str(g.pairs),
                p(g.same, g.pairs),
                p(g.possible, g.pairs),
                p(g.different, g.pairs),
                p(g.above_50, g.pairs),
                str(i.pairs),
                f"**{p(i.same, i.pairs)}** ({100 * upper_95(i.same, i.pairs):.2f}%)",
                p(i.possible, i.pairs),
                p(i.different, i.pairs),
                f"{g.failed} / {i.failed}",
            ]
        )
    return rows


def write_report(
    path: Path, data: Data, chosen: Outcome, other: Outcome, missing: dict[str, list[Path]], timing: str
) -> None:
    fit = chosen.fit
    tails = markdown_table(
        [["fit", "0.001 quantile", "lower-tail RMS", "KS p", "P(min <= seen)", "verdict"]]
        + [
            [
                t.name,
                f"{t.q001:.4f}",
                f"{t.tail_rms:.4f}",
                f"{t.ks_p:.3f}",
                f"{t.p_min:.3f}",
                "plausible" if t.plausible else "rejected",
            ]
            for t in fit.tails
        ]
    )
    folds = markdown_table(
        [["fit on", "pairs (genuine)", "d_same, d_diff, d_typical", "d_same from"]]
        + [
            [
                f"fold {k + 1}",
                f"{int(m.sum())} ({int((m & data.lfw_same).sum())})",
                ", ".join(f"{d:.4f}" for d in f.distances[1:4]),
                f.d_same_reason,
            ]
            for k, (f, m) in enumerate(zip(chosen.fold_fits, data.folds, strict=True))
        ]
    )
    targets = [
        ("FAR in the 85+ band <= 0.1%, LFW in-sample", chosen.in_sample.impostor, FAR_TARGET, False),
        (
            "FAR in the 85+ band <= 0.1%, LFW cross-check (out of sample)",
            chosen.pooled.impostor,
            FAR_TARGET,
            False,
        ),
        ("FAR in the 85+ band <= 0.1%, London impostors", chosen.london.impostor, FAR_TARGET, False),
        (">= 99% of London genuine ID-style pairs score 85+", chosen.london.genuine, GENUINE_TARGET, True),
    ]
    target_rows = [["target", "result", "one-sided 95% bound", "verdict"]]
    for name, figures, target, at_least in targets:
        share = figures.same / figures.pairs
        ok = share >= target if at_least else share <= target
        bound = (
            (1 - upper_95(figures.pairs - figures.same, figures.pairs))
            if at_least
            else upper_95(figures.same, figures.pairs)
        )
        target_rows.append(
            [
                name,
                rate(figures.same, figures.pairs),
                f"{'>=' if at_least else '<='} {100 * bound:.2f}%",
                "meets" if ok else "**misses**",
            ]
        )
    london_g, london_i = data.london_d[data.london_same], data.london_d[~data.london_same]
    best = min(fit.tails, key=lambda t: t.tail_rms)
    impostor_rows = np.flatnonzero(~data.lfw_same & ~np.isnan(data.lfw_d))
    nearest = impostor_rows[np.argsort(data.lfw_d[impostor_rows])[:2]]
    pair = data.lfw[nearest[0]]
    if best.name == fit.chosen:
        why = f"Here the fit closest to the 1-10% quantiles ({best.name}) is also the conservative one."
    else:
        why = (
            f"The fit closest to the 1-10% quantiles ({best.name}, 0.001 quantile {best.q001:.4f}) follows "
            f"the bulk of the lower tail but not its far end: the nearest LFW impostor pair "
            f"({pair.left.name} vs {pair.right.name}, {data.lfw_d[nearest[0]]:.4f}) lies well apart from "
            f"the next ({data.lfw_d[nearest[1]]:.4f}), and such look-alike pairs are what the 85+ band "
            f"must keep out."
        )
    lfw_g = chosen.in_sample.genuine
    not_found = "; ".join(
        f"{name} {len(paths)} ({', '.join(p.name for p in paths) or 'none'})"
        for name, paths in missing.items()
    )
    text = f"""# Similarity score calibration ({data.model})

Generated by `benchmarks/calibrate_similarity.py --model {data.model}` on {date.today().isoformat()}; the
knots live in `data_contracts/similarity_calibration.toml` and `benchmarks/evaluate_similarity.py`
re-checks the committed file. Model `{data.model}`, version `{data.version}`; metric: cosine distance of
unit-length embeddings (1 - a.b).

## Knots

The score is `np.interp(distance, distances, scores)`:

| knot | distance | score | from |
|---|---|---|---|
| start | 0.0000 | 100 | fixed |
| d_same | {fit.d_same:.4f} | 85 | {fit.d_same_reason} |
| d_diff | {fit.d_diff:.4f} | 50 | best LFW verification accuracy ({100 * fit.accuracy:.2f}%), mid-gap |
| d_typical | {fit.d_typical:.4f} | 20 | median LFW impostor distance |
| end | 1.0000 | 0 | fixed; larger distances clamp to 0 |

{" ".join(fit.notes) or "No knot needed moving (d_same < d_diff < d_typical)."}

## Method

Fitted on LFW View 1 DevTest (`lfw_devtest`, deepfunneled images, 500 genuine and 500 impostor pairs).
The 85+ band targets a false-accept rate of 0.1%. With 500 impostors an empirical 0.1% quantile is
just the smallest distance seen, so three distributions are fitted to the {fit.impostor} impostor
distances and checked against the data: the Kolmogorov-Smirnov test over the whole distribution, and
P(min), the fit's chance that the smallest of {fit.impostor} impostors lies at or below the smallest
seen ({fit.min_impostor:.4f}) -- a direct test of the far lower tail. The lower-tail RMS compares fitted and
empirical quantiles at 1, 2, 3, 5 and 10%.

{chr(10).join(tails)}

Rule used (`conservative`): the smallest 0.001 quantile among the fits the data do not reject (p >= 0.05
on both tests), never above the smallest impostor distance seen. {why} The `best-tail` rule (the fit
closest to the 1-10% quantiles, capped at the smallest impostor) was measured beside it, each rule
fitted the same way on the full set and on each fold:

{chr(10).join(markdown_table(comparison_rows([chosen, other])))}

Pairs in which a face is not found in either photo are failures to compare: they stay in every
denominator and count in no band (a genuine pair not compared is not accepted, an impostor pair not
compared is not falsely accepted). Faces not found: {not_found}.

## Results (rule `{fit.rule}`)

Bands: 85+ same person; 50-85 possibly (above 50, below 85); 50 and below not the same. Genuine columns
are TAR per band, the impostor 85+ column is the FAR of the "same person" band; the bound in brackets
is the one-sided 95% Clopper-Pearson upper bound: 0 of 500 impostors still allows 0.6%, so LFW alone
cannot demonstrate 0.1%; London's 10,302 impostors can.

{chr(10).join(markdown_table(band_rows([chosen.in_sample, *chosen.cross, chosen.pooled, chosen.london])))}

Cross-check: identities linked by any LFW pair form small components; whole components go to one of
two folds (no identity in both, every pair kept); each fold's knots are fitted on it alone and score
the other fold.

{chr(10).join(folds)}

London distances (not used in the fit): genuine median {np.nanmedian(london_g):.4f}, largest
{np.nanmax(london_g):.4f}; impostor smallest {np.nanmin(london_i):.4f}, 0.1% quantile
{np.nanquantile(london_i, 0.001):.4f}, median {np.nanmedian(london_i):.4f}.

## Targets

{chr(10).join(markdown_table(target_rows))}

LFW's in-the-wild photos (pose, age, light, expression all vary) put {rate(lfw_g.same, lfw_g.pairs)} of its
genuine pairs at 85+ and {rate(lfw_g.possible, lfw_g.pairs)} in 50-85 (to a person) at this FAR; the
ID-style London genuine pairs, what stage 3 compares in practice, lie at most {np.nanmax(london_g):.4f}
from each other, below d_same = {fit.d_same:.4f}. The largest LFW impostor distance is
{np.nanmax(data.lfw_d[~data.lfw_same]):.4f}, so the segment from 20 down to 0 is hardly used: impostors
score from about {float(np.nanmin(scores_of(data.lfw_d[~data.lfw_same], chosen.calibration, data.model))):.0f}
up.

![genuine and impostor scores]({FIGURE.name})

## Timing

{timing}; 2 CPU cores.
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- main


def main() -> None:
    args = embedding_arguments(__doc__.split("\n\n")[0], out_help="embedding cache and per-pair CSV")
    started = time.perf_counter()

    lfw, london = lfw_pairs(), london_pairs()
    paths = image_paths(lfw + london)
    print(f"model {args.model}: {len(lfw)} LFW pairs, {len(london)} London pairs, {len(paths)} images")
    embeddings: Embeddings = embed_images(paths, model_name=args.model, out=args.out, fresh=args.fresh)
    timing = timing_line(embeddings, len(paths))
    print(f"  {timing}")
    data = Data(
        model=args.model,
        version=embeddings.model.version,
        lfw=lfw,
        lfw_d=pair_distances(lfw, embeddings),
        lfw_same=np.array([pair.same for pair in lfw]),
        london=london,
        london_d=pair_distances(london, embeddings),
        london_same=np.array([pair.same for pair in london]),
        folds=identity_folds(lfw),
    )
    missing = {
        "LFW": embeddings.not_found(image_paths(lfw)),
        "London": embeddings.not_found(image_paths(london)),
    }
    outcomes = {rule: run_rule(data, rule) for rule in RULES}
    chosen = outcomes[RULES[0]]

    print(f"\n(a) fit on all LFW devtest pairs ({RULES[0]} rule)")
    for line in fit_lines(chosen.fit):
        print(line)
    print(f"  knots (distance, score): {knots_text(chosen.fit)}")

    print("\n(b) 2-fold identity-disjoint cross-check on LFW (fit on one fold, score the other)")
    for k, (fold_fit, mask) in enumerate(zip(chosen.fold_fits, data.folds, strict=True)):
        identities = {name for pair, m in zip(lfw, mask, strict=True) if m for name in pair.identities}
        print(
            f"  fold {k + 1}: {int(mask.sum())} pairs ({int((mask & data.lfw_same).sum())} genuine), "
            f"{len(identities)} identities; knots {knots_text(fold_fit)}; "
            f"d_same from {fold_fit.d_same_reason}"
        )
    for result in [*chosen.cross, chosen.pooled]:
        for line in result_lines(result, london=False):
            print("  " + line)

    print("\n(c) the fitted calibration on every set")
    for result in (chosen.in_sample, chosen.london):
        for line in result_lines(result, london=result is chosen.london):
            print("  " + line)
    london_g, london_i = data.london_d[data.london_same], data.london_d[~data.london_same]
    print(
        f"  London distances: genuine largest {np.nanmax(london_g):.4f} "
        f"(median {np.nanmedian(london_g):.4f}), "
        f"impostor smallest {np.nanmin(london_i):.4f}, 0.1% quantile {np.nanquantile(london_i, 0.001):.4f}"
    )
    for name, found in missing.items():
        print(f"  faces not found, {name}: {len(found)} images {[p.name for p in found]}")

    print("\n(d) the two ways of choosing the fit for d_same, side by side")
    rows = comparison_rows(list(outcomes.values()))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))

    write_toml(chosen.calibration, CALIBRATION_FILE)
    load_calibration.cache_clear()
    written = load_calibration(CALIBRATION_FILE).for_model(args.model)
    assert written.distances == chosen.fit.distances and written.model_version == data.version, (
        "TOML round trip"
    )
    lfw_scores = scores_of(data.lfw_d, chosen.calibration, args.model)
    london_scores = scores_of(data.london_d, chosen.calibration, args.model)
    write_pairs_csv(
        args.out / f"pairs_{args.model}.csv",
        [("lfw_devtest", *row) for row in zip(lfw, data.lfw_d, lfw_scores, strict=True)]
        + [("london", *row) for row in zip(london, data.london_d, london_scores, strict=True)],
    )
    write_figure(
        [
            ("LFW devtest (in-sample)", lfw_scores[data.lfw_same], lfw_scores[~data.lfw_same]),
            (
                "London neutral vs smiling (ID-style, not in the fit)",
                london_scores[data.london_same],
                london_scores[~data.london_same],
            ),
        ],
        FIGURE,
        args.model,
    )
    write_report(REPORT, data, chosen, outcomes[RULES[1]], missing, timing)
    print(
        f"\nwrote {CALIBRATION_FILE.relative_to(ROOT)}, {REPORT.relative_to(ROOT)}, "
        f"{FIGURE.relative_to(ROOT)}, {args.out / f'pairs_{args.model}.csv'}"
    )
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
