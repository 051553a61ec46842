"""moto_server, one request at a time.

moto's DynamoDB backend takes no locks, so under moto_server's threaded
server two concurrent conditional writes to one item can both pass, where
DynamoDB applies each write to an item atomically and lets exactly one win.
The concurrency tests depend on that guarantee, so this runs moto's own
application with every request serialised. Connections are still served
on threads; only the work inside moto is one at a time.

Usage: python scripts/moto_server.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def serialised(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # Materialise the body inside the lock: a lazy body would do its
            # work after the lock is released.
            return list(app(environ, start_response))

    return handle


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, serialised(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
