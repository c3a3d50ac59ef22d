"""One HTTP core for every service.

- :mod:`.service`: a service and its endpoints, as data, and the settings a client is built from
  (base URL, credentials, timeouts, retry bounds); one route table per service in :mod:`.routes`;
- :mod:`.http`: the sync (``requests``) and async (``httpx``) clients that execute the tables,
  with one retry rule, and the connection pool the async clients of one event loop share;
- :mod:`.errors`: an error answer read into the typed exception for it;
- :mod:`.files`: files at public URLs, downloaded whole or not at all.
"""
