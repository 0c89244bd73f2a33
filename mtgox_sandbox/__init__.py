"""A faithful Mt.Gox-compatible exchange for development and tests."""
