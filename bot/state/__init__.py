"""State that must survive a restart (feedback votes, watches), kept in SQLite."""
