"""Smart charging with the store: charging profiles per charger (`profiles`) and site load management
(`load_manager`). The rules themselves are plain functions in `domain/charging_profiles` and
`domain/allocator`."""
