"""The staff side: service design, catalogue, casework and council administration.

It imports the runtime, never the reverse (see the import-linter contracts in pyproject.toml).
Its apps arrive with the staff issue; until then this package holds nothing else.
"""
