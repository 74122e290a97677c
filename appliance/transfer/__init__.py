"""Blind and attended transfer of a caller from one dispatcher to another."""
