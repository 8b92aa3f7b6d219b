"""A local SMS Service Center API v2 simulator for development and end-to-end tests."""
