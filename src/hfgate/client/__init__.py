"""`Client` and `AsyncClient` (`clients`), the module-level shortcuts (`api`), the tool
loop (`generation`), typed streams (`stream`) and the backends that answer one request."""
