"""Flask with the flask-cors extension (Debian's python3-flask and python3-flask-cors), in the
configurations corshdr probe is tested against.

    /usr/bin/python3 server.py CONFIG

Listens on 127.0.0.1 on an ephemeral port and prints {"port": N} as one line on stdout once it accepts
connections. Exits when stdin closes, so a test that dies never leaves it behind. The ground truth of each
configuration is in ../GROUND-TRUTH.md.
"""

import json
import logging
import os
import sys
import threading

from flask import Flask, jsonify
from flask_cors import CORS
from werkzeug.serving import make_server

SITE = "https://app.example.com"

CONFIGS = {
    # supports_credentials with the default origins ("*"): flask-cors then echoes any Origin, with
    # Access-Control-Allow-Credentials: true, and allows any requested header.
    "reflect-credentials": dict(supports_credentials=True),
    # A pattern meant to allow the subdomains of example.com. flask-cors matches it with re.match, which
    # anchors the start only: https://app.example.com.evil.invalid passes too.
    "regex": dict(origins=[r"https://.*\.example\.com"], supports_credentials=True, methods=["GET", "PUT"],
                  allow_headers=["Content-Type", "Authorization"], expose_headers=["X-Request-Id"],
                  max_age=600),
    # An exact allow-list: the correct configuration.
    "list": dict(origins=[SITE, "https://admin.example.com"], supports_credentials=True, methods=["GET", "PUT"],
                 allow_headers=["Content-Type", "Authorization"], expose_headers=["X-Request-Id"], max_age=600),
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CONFIGS:
        sys.exit("usage: server.py %s" % "|".join(CONFIGS))
    name = sys.argv[1]
    app = Flask(__name__)
    CORS(app, **CONFIGS[name])

    @app.route("/api/data")
    def data():
        response = jsonify(config=name)
        response.headers["X-Request-Id"] = "42"
        return response

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdout.write(json.dumps({"port": server.server_port}) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the test closes it
    os._exit(0)


if __name__ == "__main__":
    main()
