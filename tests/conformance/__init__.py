"""The vendors' official clients, unmodified and configured only as a user would, against the sandbox."""
