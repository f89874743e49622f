"""The operator (Motown) API, split by concern: routes, paging, payloads, commands, runtime."""
