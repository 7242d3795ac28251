"""Tests for `store`."""
