"""Tests of the Mt.Gox client library (custom_components.mtgox.api)."""
