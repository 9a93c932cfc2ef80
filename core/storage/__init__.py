"""Storage: the database, the models and their migrations, the data revision, the audit log, backups.

Importing any of it installs core/storage/changes.py as the recorder of the data models' saves
and deletes (row versions and the change log), so that no writer can go around it.
"""

from kaohe.core.storage import changes  # noqa: F401,E402 (installs the recorder)
