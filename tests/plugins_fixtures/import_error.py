"""A plugin whose import fails."""

import kaohe_no_such_module  # noqa: F401
