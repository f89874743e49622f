"""One module per UI page (or group of pages), each with its own `router`."""
