"""The migrations that build and change Borough's database schema, oldest first.

Never edit a migration that has been committed; add a new one. After changing
``runtime/store/models.py``, generate the next migration from the repository root with::

    .venv/bin/python -m tortoise -c runtime.store.database.MIGRATIONS_CONFIG \
        makemigrations borough --name what_changed

and apply migrations with ``borough migrate`` (or ``runtime.store.database.migrate(url)``).
The test ``tests/store/test_migrations.py`` fails while the models and migrations disagree.
"""
