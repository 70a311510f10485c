"""Veterans' service station: data in the township's schema."""
