"""User databases: which instance holds a user's collection; load, journal, flush, sessions."""
