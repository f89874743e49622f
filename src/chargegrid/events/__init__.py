"""Events out: the outbox written with each change, the sequencer that orders it, webhook delivery,
the live stream, and the audit log of who did what."""
