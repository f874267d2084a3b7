from bot.chat.cli import script

script()
