"""Tests for `spiders`."""
