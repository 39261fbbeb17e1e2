"""What a Python app loads at run time, by name as much as by import
(shared/SLIM.md): run in an image before and after `pare slim`, each line
must read the same. One line per probe: `ok NAME: VALUE` or `FAIL NAME:
ExceptionType`; values are deterministic (no times, no random names)."""
import importlib
import io
import os


def t(name, f):
    try:
        print(f"ok {name}: {f()!r}")
    except BaseException as e:  # noqa: BLE001 - every failure is a line
        print(f"FAIL {name}: {type(e).__name__}")


def pil(fmt):
    from PIL import Image

    Image.new("RGB", (1, 1)).save(io.BytesIO(), fmt)
    return fmt


def ca_bundle():
    # This image has no system CA store: requests verifies with certifi's.
    import ssl

    import certifi

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=certifi.where())
    return ctx.cert_store_stats()["x509_ca"] > 100


t("ssl CA bundle (certifi's, as requests loads it)", ca_bundle)
t("ssl default context", lambda: __import__("ssl").create_default_context().verify_mode)
t("hashlib md5", lambda: __import__("hashlib").md5(b"x").hexdigest())
t("hashlib sha3_256", lambda: __import__("hashlib").new("sha3_256", b"x").hexdigest())
t("hashlib blake2b", lambda: __import__("hashlib").blake2b(b"x").hexdigest()[:16])
t("hashlib openssl sha512_224", lambda: __import__("hashlib").new("sha512_224", b"x").hexdigest())
for m in ["sqlite3", "uuid", "bz2", "lzma", "decimal", "ctypes", "zlib", "pyexpat", "readline",
          "curses", "dbm", "xml.etree.ElementTree", "json", "email", "http.client", "urllib.request",
          "asyncio", "multiprocessing", "concurrent.futures", "csv", "zipfile", "tarfile", "gzip",
          "unicodedata", "grp", "pwd", "termios", "resource", "mmap", "select", "fcntl", "pickle",
          "shelve", "logging.handlers", "venv", "pydoc", "distutils", "_posixshmem", "_ssl",
          "_hashlib", "_ctypes", "_uuid", "_bz2", "_lzma", "_decimal", "_sqlite3"]:
    t("import " + m, lambda m=m: importlib.import_module(m).__name__)
t("uuid4", lambda: len(str(__import__("uuid").uuid4())))
t("sqlite in memory", lambda: __import__("sqlite3").connect(":memory:").execute("select 1 + 1").fetchone())
t("zoneinfo Europe/Paris", lambda: str(__import__("zoneinfo").ZoneInfo("Europe/Paris")))
t("locale C.UTF-8", lambda: __import__("locale").setlocale(__import__("locale").LC_ALL, "C.UTF-8"))
t("mimetypes json", lambda: __import__("mimetypes").guess_type("a.json"))
t("mimetypes webp", lambda: __import__("mimetypes").guess_type("a.webp"))
t("tempfile", lambda: os.path.dirname(__import__("tempfile").mkstemp()[1]))
t("codec idna", lambda: "bücher.de".encode("idna"))
t("codec cp1252", lambda: "é".encode("cp1252"))
t("codec shift_jis", lambda: "日".encode("shift_jis"))
t("codec utf-16", lambda: "é".encode("utf-16-le"))
t("encodings modules", lambda: sum(1 for _ in __import__("pkgutil").iter_modules(__import__("encodings").__path__)))
t("ctypes CDLL libc", lambda: __import__("ctypes").CDLL("libc.so.6").abs(-3))
t("ctypes find_library c", lambda: __import__("ctypes.util").util.find_library("c"))
t("ctypes find_library ssl", lambda: __import__("ctypes.util").util.find_library("ssl"))
t("ctypes find_library z", lambda: __import__("ctypes.util").util.find_library("z"))
t("sysconfig stdlib", lambda: __import__("sysconfig").get_paths()["stdlib"])
t("thread start and exit", lambda: (__import__("threading").Thread(target=lambda: None).start(), 1)[1])
t("gettext", lambda: __import__("gettext").gettext("x"))
t("psycopg2", lambda: __import__("psycopg2").__version__[:5])
t("psycopg2 extensions", lambda: __import__("psycopg2.extensions").extensions.ISOLATION_LEVEL_SERIALIZABLE)
t("PIL PNG", lambda: pil("PNG"))
t("PIL JPEG", lambda: pil("JPEG"))
t("PIL WEBP", lambda: pil("WEBP"))
t("PIL TIFF", lambda: pil("TIFF"))
t("requests", lambda: __import__("requests").__version__)
t("requests certifi bundle", lambda: os.path.exists(__import__("requests").certs.where()))
t("flask", lambda: __import__("flask").Flask("x").name)
t("jinja2 render", lambda: __import__("jinja2").Template("{{ 1 + 1 }}").render())
t("importlib.metadata flask", lambda: __import__("importlib.metadata").metadata.version("flask"))
t("charset_normalizer", lambda: __import__("charset_normalizer").from_bytes("héllo".encode()).best().encoding)
