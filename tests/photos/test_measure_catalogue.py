"""The measure catalogue and the code of stage 1 name the same measures with the same reasons.

The measures are read from the source of `photoflow/quality` (every `Measurement`, `within`, `at_most`,
`at_least` and `failed` call), not from reviews of photos: a measure that only a rare photo reaches
(a file that is not an image, a second face) is found all the same.
"""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict

from photoflow.quality import measurement
from schemas.measure_catalogue import CATALOGUE, MEASURES, measure_label
from schemas.reasons import PhotoReason
from tests.paths import PROJECT

QUALITY = PROJECT / "photoflow" / "quality"
DECODE = PROJECT / "photoflow" / "photos" / "decode.py"
MAKERS = ("Measurement", "within", "at_most", "at_least", "failed")


def _reason_position(maker: str) -> int:
    return list(inspect.signature(getattr(measurement, maker)).parameters).index("reason")


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if any(isinstance(argument, ast.Starred) for argument in call.args[:position]):
        return call.args[-1]  # within(name, value, *band, reason): a band unpacked, the reason last
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _called(call: ast.Call) -> str | None:
    function = call.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)


def _photo_reason(node: ast.expr | None) -> PhotoReason | None:
    """`R.GLARE` or `PhotoReason.GLARE` as the member; None for a reason only known at run time."""
    return PhotoReason[node.attr] if isinstance(node, ast.Attribute) and node.attr.isupper() else None


def measures_in_code() -> dict[str, set[PhotoReason | None]]:
    """Every measure stage 1 takes, by the name it is stored under, with the reasons it gives."""
    found: dict[str, set[PhotoReason | None]] = defaultdict(set)
    for path in sorted(QUALITY.glob("*.py")):
        if path.name == "measurement.py":  # the makers themselves pass a name they were given
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or _called(node) not in MAKERS:
                continue
            maker = _called(node)
            name = _argument(node, 0, "measure")
            assert isinstance(name, ast.Constant) and isinstance(name.value, str), (
                f"{path.name}:{node.lineno}: {maker}() needs its measure's name as a literal string"
            )
            found[name.value].add(_photo_reason(_argument(node, _reason_position(maker), "reason")))
    return found


def refusal_reasons() -> set[PhotoReason | None]:
    """The reasons the decoder refuses a file with: the `file` measure reports the refusal's own reason."""
    tree = ast.parse(DECODE.read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _called(n) == "PhotoRefusedError"]
    return {_photo_reason(_argument(call, 0, "reason")) for call in calls}


def test_every_measure_stage_1_takes_is_in_the_catalogue_and_nothing_else_is():
    in_code = measures_in_code()
    assert set(in_code) - set(MEASURES) == set(), "measured but not in schemas/measure_catalogue.py"
    assert set(MEASURES) - set(in_code) == set(), "in the catalogue but stage 1 never measures it"
    assert len(MEASURES) == len(CATALOGUE), "a measure is in the catalogue twice"


def test_each_measure_lists_exactly_the_reasons_it_can_give():
    in_code = measures_in_code()
    assert in_code.pop("file") == {None}, "the file measure reports the decoder's refusal"
    assert None not in refusal_reasons()
    assert set(MEASURES["file"].reasons) == refusal_reasons()
    for name, reasons in in_code.items():
        assert None not in reasons, f"{name}: give its reason as a PhotoReason member"
        assert set(MEASURES[name].reasons) == reasons, name


def test_a_measure_stored_under_a_name_the_catalogue_lacks_keeps_its_name_as_its_label():
    assert measure_label("glare") == "眼镜反光 / glare on glasses"
    assert measure_label("old_measure") == "old_measure / old measure"
