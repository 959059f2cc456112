"""Frozen copies of code that migrations run, as it was when each migration was written.

A migration is history: it must build the same schema and compute the same values
whatever the live models look like today. So migrations never import ``models``,
``hongfan``, ``graph`` or ``admin_ui`` (tests/migrations/test_frozen.py fails if one
does); code a data migration needs is copied here, in a module named after the
revision that uses it, and never edited afterwards.
"""
