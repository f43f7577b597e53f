# The client matrix's fixtures live in client_fixtures.py.
from client_fixtures import installed_clients, matrix, matrix_env  # noqa: F401
