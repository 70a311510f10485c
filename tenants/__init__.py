"""Counties, townships (one PostgreSQL schema each), their domains and plugin activations."""
