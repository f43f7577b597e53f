"""`AsyncClient` (`async_client`) and `Client` (`sync_client`, generated from it), what they
share (`base`), the module-level shortcuts (`api`), the tool loop (`generation`), typed streams
(`stream`) and the backends that answer one request (`backends`, `async_backends`, and the
generated `sync_backends`)."""
