"""The combined score: interface scores weighted by how often human review confirmed each interface.

The patent (CN112686244A) combines two interfaces as S = (S2 x (1 - W) + S3 x W) / 2, where W, between
0 and 1, is the weight of the tamper interface learnt from its historical success rate and 1 - W the
other interface's. For n interfaces with success rates r_i and scores s_i (0-100) we use

    w_i = r_i / (r_1 + ... + r_n)          (weights sum to 1: W and 1 - W when n = 2)
    S   = (w_1 s_1 + ... + w_n s_n) / n    (the patent's S; n = 2 gives its formula exactly)
    score = n x S = w_1 s_1 + ... + w_n s_n (the weighted mean, 0-100)

The threshold is held against `score`, not S: S tops out at 100 / n, so a threshold on S would mean
something else whenever a contract adds or drops an interface (no comparison: n = 2, not 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.screening import ApprovalInterface


@dataclass(frozen=True)
class Combined:
    weights: dict[ApprovalInterface, float]
    patent_score: float  # S, 0 to 100 / n
    score: float  # the weighted mean, 0-100


def weights_from_rates(
    rates: Mapping[ApprovalInterface, float], interfaces: list[ApprovalInterface]
) -> dict[ApprovalInterface, float]:
    """Normalised success rates of the interfaces that scored; equal weights when none has a rate."""
    raw = {interface: max(0.0, rates.get(interface, 0.0)) for interface in interfaces}
    total = sum(raw.values())
    if total <= 0:
        return {interface: 1 / len(interfaces) for interface in interfaces}
    return {interface: rate / total for interface, rate in raw.items()}


def combine(scores: Mapping[ApprovalInterface, float], rates: Mapping[ApprovalInterface, float]) -> Combined:
    """Weight the interfaces' scores (0-100) by their success rates (0-1)."""
    if not scores:
        raise ValueError("no interface scored the photo")
    interfaces = list(scores)
    weights = weights_from_rates(rates, interfaces)
    mean = sum(weights[interface] * scores[interface] for interface in interfaces)
    return Combined(
        weights={interface: round(weight, 4) for interface, weight in weights.items()},
        patent_score=round(mean / len(interfaces), 2),
        score=round(mean, 2),
    )
