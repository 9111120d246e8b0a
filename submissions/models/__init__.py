# Each module owns one area; its __all__ lists its models.
from submissions.models.core import *  # noqa: F401,F403
from submissions.models.integrity import *  # noqa: F401,F403
from submissions.models.ledger import *  # noqa: F401,F403
from submissions.models.quotas import *  # noqa: F401,F403
from submissions.models.refusals import *  # noqa: F401,F403
from submissions.models.rescoring import *  # noqa: F401,F403
