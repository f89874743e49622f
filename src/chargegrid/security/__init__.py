"""Security of the charger edge: profiles, connection identity (TLS / trusted proxy), the CSMS certificate
authority, redaction of secrets in recorded frames, security events."""
