"""Offline training and evaluation for newsflow; not installed with the workers."""
