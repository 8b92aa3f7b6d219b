"""End-to-end check of the integration in a real Home Assistant process (scripts/e2e-latest)."""
