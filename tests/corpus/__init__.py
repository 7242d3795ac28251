"""Tests for `corpus`."""
