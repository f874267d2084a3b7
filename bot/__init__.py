"""incident-bot: answers questions about security incidents from a team's markdown notes.

Three layers, imports pointing one way: ``bot.notes`` (seeds -> notes and passages) ->
``bot.search`` (passages -> index -> ranked hits) -> ``bot.chat`` (Telegram, terminal, CLI).
"""
