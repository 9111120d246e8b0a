"""Organizer pages: years, tasks and splits, hosted data files, the audit log."""
