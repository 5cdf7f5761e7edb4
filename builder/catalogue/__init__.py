"""The shared catalogue: services councils publish once and every council can use.

`canonical` (RFC 8785 and content addresses), `keys` (Ed25519), `entries` (a publisher's
index), `repository` (the TUF repository on disk), `sharing` (council values out as settings,
and back in), `publishing` (a council's signed publication), `client` (subscribe and sync
with python-tuf's ngclient). See docs/catalogue.md.
"""
