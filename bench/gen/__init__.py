"""Test-data generator for sohoa: see README.md."""
