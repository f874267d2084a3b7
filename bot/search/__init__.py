"""Passages -> index -> ranked hits. Knows nothing of Telegram."""
