"""Tests for `dedup`."""
