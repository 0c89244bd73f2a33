"""Tests of the Mt.Gox integration, its client library and the sandbox."""
