"""Tests for `dags`."""
