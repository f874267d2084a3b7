"""Seeds -> notes and passages. Knows nothing of search or chat."""
