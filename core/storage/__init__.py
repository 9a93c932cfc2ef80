"""Storage: the database, the models and their migrations, the data revision, the audit log, backups."""
