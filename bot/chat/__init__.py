"""Everything a person talks to: Telegram handlers, the terminal chat, the CLI."""
