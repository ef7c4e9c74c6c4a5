"""Words the bot reacts to, as data a non-programmer can review: red flags, commands, intents, dialect maps."""
