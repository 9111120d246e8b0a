"""Signals challenge sends so that apps above it can react without challenge importing them.

challenge never imports submissions; the leaderboards, which live there, must still be
rebuilt when an organizer changes a setting they depend on.
"""

from django.dispatch import Signal

#: Sent after the commit of an organizer change that affects how splits are ranked or shown
#: (visibility, subset, task kind, leaderboard rows, excluded display, dates, status).
#: Keyword argument: splits, a list of challenge.models.Split.
ranking_settings_changed = Signal()
