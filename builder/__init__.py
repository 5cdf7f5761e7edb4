"""Design time: the form builder (drafts, editing, preview, publish, history) and, next, the
catalogue client. It imports the runtime, never the reverse (see the import-linter contracts
in pyproject.toml)."""
