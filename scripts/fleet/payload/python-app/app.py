"""python-app: the Flask service of pare's test fleet."""
import os

import flask
from PIL import Image  # noqa: F401  (Pillow 10.1.0: a fixable critical, CVE-2023-50447, in an app layer)
import psycopg2  # noqa: F401  (native extension: loads libpq.so.5 and libssl.so.3)
import requests  # noqa: F401  (a dependency with known advisories, imported so it is "used")

app = flask.Flask(__name__)


@app.route("/")
def index():
    return "ok\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
