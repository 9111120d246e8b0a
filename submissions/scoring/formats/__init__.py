"""Formats: the files the core reads, each with a precise line-by-line parser (the spec, which
words every message) and a vectorized path that agrees with it; the text layer they share; the
window reader that streams a file of any size; gzip; sample files."""
