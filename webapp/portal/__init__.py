"""The public portal (Art. 8, Art. 19.2): notices, objections and the registry, for people without an
account. It reads the business record only — never an engine state, a staff name or an internal id."""
