"""Tests for `run`."""
