"""The pure core: workflow model, case aggregate, rules and errors. No I/O here."""
