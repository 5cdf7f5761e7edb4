"""The resident app: the pages residents use to apply, pay and follow their application."""
