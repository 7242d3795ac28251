"""The corpus as readers see it: manifests, exports, document history, verification and site health."""
