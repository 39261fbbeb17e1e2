// What a Node app loads at run time (shared/SLIM.md): run in an image before and
// after `pare slim`, each line must read the same. One line per probe: `ok NAME: VALUE` or
// `FAIL NAME: CODE`; values are deterministic.
const t = (name, f) => { try { const v = f(); console.log(`ok ${name}: ${JSON.stringify(v)}`); } catch (e) { console.log(`FAIL ${name}: ${e.code || e.name}`); } };
const at = async (name, f) => { try { const v = await f(); console.log(`ok ${name}: ${JSON.stringify(v)}`); } catch (e) { console.log(`FAIL ${name}: ${e.code || e.name}`); } };
(async () => {
for (const m of ["assert","buffer","child_process","cluster","crypto","dgram","dns","events","fs","http","http2","https","net","os","path","perf_hooks","punycode","querystring","readline","stream","string_decoder","timers","tls","tty","url","util","v8","vm","worker_threads","zlib","inspector","async_hooks","diagnostics_channel","stream/web","fs/promises"]) t("require " + m, () => typeof require(m));
t("md5", () => require("crypto").createHash("md5").update("x").digest("hex"));
t("sha3", () => require("crypto").createHash("sha3-256").update("x").digest("hex"));
t("randomUUID", () => require("crypto").randomUUID().length);
t("tls root certs", () => require("tls").rootCertificates.length > 100);
t("ciphers", () => require("crypto").getCiphers().length > 50);
t("zlib gzip", () => require("zlib").gunzipSync(require("zlib").gzipSync("hello")).toString());
t("zlib brotli", () => require("zlib").brotliDecompressSync(require("zlib").brotliCompressSync("hello")).toString());
t("Intl date", () => new Intl.DateTimeFormat("fr-FR", {timeZone: "Europe/Paris", year: "numeric"}).format(new Date(0)));
t("Intl number", () => new Intl.NumberFormat("de-DE").format(1234.5));
t("Intl collator", () => ["b","a","ä"].sort(new Intl.Collator("de").compare));
t("toLocaleUpperCase tr", () => "i".toLocaleUpperCase("tr-TR"));
t("TextDecoder latin1", () => new TextDecoder("latin1").decode(new Uint8Array([233])));
t("TextDecoder shift_jis", () => new TextDecoder("shift_jis").decode(new Uint8Array([0x93, 0xfa])));
t("os.userInfo", () => require("os").userInfo().username);
t("os tmpdir", () => require("os").tmpdir());
t("fetch type", () => typeof fetch);
await at("fetch data url", async () => (await fetch("data:text/plain,hi")).status);
t("express", () => typeof require("/app/node_modules/express"));
t("express app", () => typeof require("/app/node_modules/express")());
t("WebAssembly", () => typeof WebAssembly.instantiate);
t("worker", () => typeof new (require("worker_threads").MessageChannel)());
t("process.versions.openssl", () => typeof process.versions.openssl);
t("http server", () => typeof require("http").createServer);
t("timezone", () => Intl.DateTimeFormat().resolvedOptions().timeZone);
})();
