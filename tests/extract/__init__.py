"""Tests for `extract`."""
