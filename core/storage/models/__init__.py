"""The peewee models: who reports, what they report, what was adopted, and the score runs.

`base` holds the columns and base classes, `data` the data scores depend on, `runs` what a
calculation stores, `system` accounts and logs; every model is importable from here.
"""

from kaohe.core.domain.periods import now  # noqa: F401 (the models' clock, named from here too)
from kaohe.core.storage.models.base import (  # noqa: F401
    AmountField,
    BaseModel,
    DataModel,
    JSONField,
    choices,
)
from kaohe.core.storage.models.data import (  # noqa: F401
    Adjustment,
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    ParameterVersion,
    Publication,
    Reporter,
    Scheme,
    SchemeUnit,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UnitKind,
    UrgentFollowUp,
    UrgentReport,
    adopted,
    counted,
)
from kaohe.core.storage.models.runs import (  # noqa: F401
    JOB_STATES,
    RecalcJob,
    ReporterResult,
    RunDigest,
    RunMonth,
    RunSentence,
    RunSnapshot,
    ScoreLine,
    ScoreRun,
    UnitCount,
    UnitResult,
)
from kaohe.core.storage.models.system import (  # noqa: F401
    ROLES,
    AuditLog,
    EndedSession,
    LoginFailure,
    SchemaVersion,
    User,
)

SCHEMA_VERSION = 9  # the latest of core/storage/migrations.py's MIGRATIONS




MODELS = [
    UnitKind, Unit, Reporter, Publication, Solicitation, SolicitationUnit, Item, ItemUnit, ItemAuthor,
    Adoption, Instruction, UrgentReport, UrgentFollowUp, UnitFact, Target, Adjustment, Scheme, SchemeUnit,
    ParameterVersion, ScoreRun, UnitResult, RunSnapshot, UnitCount, RunMonth, RunDigest, ReporterResult,
    ScoreLine, RunSentence, User, SchemaVersion, AuditLog, LoginFailure, EndedSession, RecalcJob,
]
