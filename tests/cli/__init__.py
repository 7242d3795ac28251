"""Tests for `cli`."""
