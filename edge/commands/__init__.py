"""The core `glimpse` subcommands (run, demo, analyze, bench, config, events)."""
