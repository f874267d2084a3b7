"""The Telegram face of the bot: python-telegram-bot handlers over the search engine."""
