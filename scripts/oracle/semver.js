// Compares versions with npm's semver package (strict mode).
// stdin: "a\tb" lines; stdout: "<cmp> <a_valid> <b_valid>" lines.
const path = require('path');
const SemVer = require(path.join(__dirname, 'node_modules', 'semver', 'classes', 'semver.js'));
const parse = (s) => { try { return new SemVer(s); } catch (e) { return null; } };
const input = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of input) {
  if (!line) continue;
  const i = line.indexOf('\t');
  const a = parse(line.slice(0, i)), b = parse(line.slice(i + 1));
  if (!a || !b) out.push(`x ${a ? 1 : 0} ${b ? 1 : 0}`);
  else out.push(`${a.compare(b)} 1 1`);
}
process.stdout.write(out.join('\n') + '\n');
