"""Borough's composition root: the CLI and the app that joins the resident and staff sides."""
