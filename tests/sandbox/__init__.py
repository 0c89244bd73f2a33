"""Tests of the sandbox exchange."""
