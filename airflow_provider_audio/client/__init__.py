"""One HTTP core for every service.

- :mod:`.endpoint`: a service and its endpoints, as data (one table per service in :mod:`.routes`);
- :mod:`.settings`: what a client is built from (base URL, credentials, timeouts, retry bounds);
- :mod:`.http`: the sync (``requests``) and async (``httpx``) clients that execute the tables,
  with one retry rule;
- :mod:`.errors`: an error answer read into the typed exception for it;
- :mod:`.pool`: the async connection pool every client of one event loop shares;
- :mod:`.files`: delivered files downloaded whole or not at all.
"""
