from bot.chat.cli import main

raise SystemExit(main())
