"""Every reason code of the mission in one shape (`ReasonEnum`): a stored value, 中文, English, a fix hint.

One module per family: roster problems, photo reasons, files an upload did not take, a reviewer's
reasons, tamper and fusion findings, and the password rule. Import them from here.
"""

from schemas.reasons.base import ReasonEnum
from schemas.reasons.files import FileProblem
from schemas.reasons.fusion import FusionReason
from schemas.reasons.manual import ManualRejectReason
from schemas.reasons.password import PasswordRule
from schemas.reasons.photo import PhotoReason
from schemas.reasons.roster import RosterProblem, roster_reason
from schemas.reasons.tamper import TamperReason

__all__ = [
    "FileProblem",
    "FusionReason",
    "ManualRejectReason",
    "PasswordRule",
    "PhotoReason",
    "ReasonEnum",
    "RosterProblem",
    "TamperReason",
    "roster_reason",
]
