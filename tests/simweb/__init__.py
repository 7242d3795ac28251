"""Tests for `simweb`."""
