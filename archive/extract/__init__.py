"""Extraction: captured bytes → decoded page → body text, cleaned, with its metadata fields and region."""
