"""Tests for the SMS Service Center integration."""
