"""One table of routes per service, so a route changes in one place."""
