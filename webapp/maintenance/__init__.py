"""Operating the database: migrations to the newest schema (schema.py), backup and restore (backup.py)."""
