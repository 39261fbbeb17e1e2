//! Declared licenses, normalised to SPDX where the text names an SPDX
//! license without guessing.
//!
//! Package metadata spells licenses many ways: Debian's DEP-5 short names
//! (`GPL-2+`, `BSD-3-clause`, `Expat`), Fedora's old short names (`GPLv2+`,
//! `ASL 2.0`), Python trove classifiers (`MIT License`), Maven `<name>`s
//! (`The Apache Software License, Version 2.0`), and SPDX expressions
//! (`MIT OR Apache-2.0`). [`normalize`] maps a value to an SPDX identifier
//! or expression when every part of it names exactly one SPDX license, and
//! otherwise keeps the text as it was written (a *name*): an SBOM that says
//! `public-domain` is more honest than one that guesses.
//!
//! The matching follows the SPDX matching guidelines and what syft does
//! (`internal/spdxlicense`): identifiers compare case-insensitively and
//! without `-`, `_` and spaces, a version with trailing `.0`s equals the
//! version without them (`GPL-2` = `GPL-2.0`), deprecated GNU identifiers
//! map to their `-only`/`-or-later` replacements, and a trailing `+` on a
//! GNU license is `-or-later`. On top of that, a short table of aliases
//! whose meaning is fixed (Debian's `Expat` is SPDX `MIT`; Fedora's `ASL
//! 2.0` is `Apache-2.0`), and the licenses' full names from the SPDX list
//! (`Mozilla Public License 2.0`). Prefix matching (the `spdx` crate's
//! imprecise names, where `gpl` means `GPL-2.0-only`) is not used: it
//! guesses versions.
//!
//! The identifier list and expression validation come from the `spdx`
//! crate (Embark Studios; the SPDX license list it was generated from is
//! [`spdx::license_version`]).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The comparison key of a license identifier or name.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Names whose SPDX meaning is fixed but that no rule above derives.
const ALIASES: &[(&str, &str)] = &[
    // Debian DEP-5 short name; the SPDX list gives "Expat" as MIT's other name.
    ("Expat", "MIT"),
    // Fedora's pre-2022 short names, also used by Python classifiers.
    ("ASL 2.0", "Apache-2.0"),
    ("GPLv1", "GPL-1.0-only"),
    ("GPLv1+", "GPL-1.0-or-later"),
    ("GPLv2", "GPL-2.0-only"),
    ("GPLv2+", "GPL-2.0-or-later"),
    ("GPLv3", "GPL-3.0-only"),
    ("GPLv3+", "GPL-3.0-or-later"),
    ("LGPLv2", "LGPL-2.0-only"),
    ("LGPLv2+", "LGPL-2.0-or-later"),
    ("LGPLv2.1", "LGPL-2.1-only"),
    ("LGPLv2.1+", "LGPL-2.1-or-later"),
    ("LGPLv3", "LGPL-3.0-only"),
    ("LGPLv3+", "LGPL-3.0-or-later"),
    ("AGPLv3", "AGPL-3.0-only"),
    ("AGPLv3+", "AGPL-3.0-or-later"),
    // Maven and classifier spellings of the common licenses.
    ("Apache License 2.0", "Apache-2.0"),
    ("Apache Software License 2.0", "Apache-2.0"),
    ("Apache 2", "Apache-2.0"),
    ("MIT License", "MIT"),
    ("BSD 3-Clause License", "BSD-3-Clause"),
    ("New BSD License", "BSD-3-Clause"),
    ("Modified BSD License", "BSD-3-Clause"),
    ("BSD 2-Clause License", "BSD-2-Clause"),
    ("Simplified BSD License", "BSD-2-Clause"),
    ("Eclipse Public License 1.0", "EPL-1.0"),
    ("Eclipse Public License v1.0", "EPL-1.0"),
    ("Eclipse Public License v2.0", "EPL-2.0"),
    ("ISC License (ISCL)", "ISC"),
    ("The Unlicense (Unlicense)", "Unlicense"),
];

/// Replacements of deprecated identifiers that are not GNU licenses (as
/// syft's generator does).
const REPLACED: &[(&str, &str)] = &[
    ("BSD-2-Clause-NetBSD", "BSD-2-Clause"),
    ("BSD-2-Clause-FreeBSD", "BSD-2-Clause-Views"),
    ("bzip2-1.0.5", "bzip2-1.0.6"),
];

fn is_deprecated(l: &spdx::License) -> bool {
    l.flags & spdx::flags::IS_DEPRECATED != 0
}

/// The non-deprecated identifier a deprecated one stands for, if there is
/// exactly one (`GPL-2.0` → `GPL-2.0-only`, `GPL-2.0+` →
/// `GPL-2.0-or-later`).
fn replacement(id: &str) -> Option<&'static str> {
    if let Some((_, r)) = REPLACED.iter().find(|(d, _)| *d == id) {
        return Some(r);
    }
    let (base, suffix) = match id.strip_suffix('+') {
        Some(b) => (b, "-or-later"),
        None => (id, "-only"),
    };
    let candidate = format!("{base}{suffix}");
    spdx::license_id(&candidate)
        .filter(|l| l.is_gnu() && !l.is_deprecated() && l.name == candidate)
        .map(|l| l.name)
}

/// Equivalent spellings of the first version number in `id` (SPDX: `2`,
/// `2.0` and `2.0.0` are the same version): `GPL-2.0-only` gives
/// `GPL-2-only` and `GPL-2.0.0-only`.
fn version_spellings(id: &str) -> Vec<String> {
    let bytes = id.as_bytes();
    let Some(start) = bytes.iter().position(u8::is_ascii_digit) else {
        return Vec::new();
    };
    let mut end = start;
    while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
        end += 1;
    }
    let version = id[start..end].trim_end_matches('.');
    let end = start + version.len();
    let mut parts: Vec<&str> = version.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) || parts.len() > 3 {
        return Vec::new();
    }
    // The shortest equivalent form: drop trailing zero components.
    while parts.len() > 1 && parts.last().is_some_and(|p| p.chars().all(|c| c == '0')) {
        parts.pop();
    }
    if parts.iter().all(|p| p.chars().all(|c| c == '0')) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut v = parts.join(".");
    for _ in parts.len()..=3 {
        if v != version {
            out.push(format!("{}{v}{}", &id[..start], &id[end..]));
        }
        v.push_str(".0");
    }
    out
}

/// Comparison key → SPDX identifier.
fn table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m: HashMap<String, &'static str> = HashMap::new();
        let all = spdx::identifiers::LICENSES;
        // Exact identifiers first (they win every collision), current
        // before deprecated.
        for l in all.iter().filter(|l| !is_deprecated(l)) {
            m.entry(key(l.name)).or_insert(l.name);
        }
        for l in all.iter().filter(|l| is_deprecated(l)) {
            let target = replacement(l.name).unwrap_or(l.name);
            m.entry(key(l.name)).or_insert(target);
        }
        // Then equivalent version spellings, then full names, then aliases.
        for l in all {
            let target = if is_deprecated(l) {
                replacement(l.name).unwrap_or(l.name)
            } else {
                l.name
            };
            for v in version_spellings(l.name) {
                m.entry(key(&v)).or_insert(target);
            }
        }
        for l in all.iter().filter(|l| !is_deprecated(l)) {
            m.entry(key(l.full_name)).or_insert(l.name);
        }
        for (alias, id) in ALIASES {
            m.entry(key(alias)).or_insert(id);
        }
        m
    })
}

/// The SPDX identifier one license token names, if exactly one
/// (`GPL-2+` → `GPL-2.0-or-later`, `bsd-3-clause` → `BSD-3-Clause`).
#[must_use]
pub fn spdx_id(token: &str) -> Option<String> {
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    if let Some(id) = table().get(&key(token)) {
        return Some((*id).to_string());
    }
    // `X+`: "X or later".
    let base = token.strip_suffix('+')?;
    let id = *table().get(&key(base))?;
    if let Some(gnu) = id.strip_suffix("-only") {
        return Some(format!("{gnu}-or-later"));
    }
    if id.ends_with("-or-later") {
        return Some(id.to_string());
    }
    spdx::license_id(id)
        .filter(|l| !l.is_gnu())
        .map(|_| format!("{id}+"))
}

/// A license value as an SPDX identifier or expression when every part of
/// it names one, else the value as written (trimmed). `None` for values
/// that declare nothing (`UNKNOWN`, `NOASSERTION`, `none`, empty).
#[must_use]
pub fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty()
        || ["unknown", "noassertion", "none", "undefined"]
            .iter()
            .any(|n| raw.eq_ignore_ascii_case(n))
    {
        return None;
    }
    if raw.starts_with("http://") || raw.starts_with("https://") {
        return Some(from_url(raw).unwrap_or_else(|| raw.to_string()));
    }
    if let Some(id) = spdx_id(raw) {
        return Some(id);
    }
    if let Some(expr) = expression(raw) {
        return Some(expr);
    }
    // A trailing parenthesised short form: `GNU General Public License v2
    // or later (GPLv2+)`, `Mozilla Public License 2.0 (MPL 2.0)`.
    if let Some(inner) = raw
        .strip_suffix(')')
        .and_then(|r| r.rsplit_once('('))
        .map(|(_, inner)| inner)
    {
        if let Some(id) = spdx_id(inner) {
            return Some(id);
        }
    }
    // Maven's `Apache License, Version 2.0`.
    let plain = raw
        .trim_start_matches("The ")
        .replace(", Version ", " ")
        .replace(", version ", " ")
        .replace(" Version ", " ")
        .replace("Licence", "License");
    if plain != raw {
        if let Some(id) = spdx_id(&plain) {
            return Some(id);
        }
    }
    Some(raw.to_string())
}

/// License URLs whose license is fixed (as Maven poms and OSGi
/// `Bundle-License` headers write them), without scheme and `www.`.
const URLS: &[(&str, &str)] = &[
    ("apache.org/licenses/license-2.0", "Apache-2.0"),
    ("apache.org/licenses/license-2.0.txt", "Apache-2.0"),
    ("apache.org/licenses/license-2.0.html", "Apache-2.0"),
    ("eclipse.org/legal/epl-v10.html", "EPL-1.0"),
    ("eclipse.org/legal/epl-2.0", "EPL-2.0"),
    ("eclipse.org/legal/epl-v20.html", "EPL-2.0"),
    ("mozilla.org/mpl/2.0", "MPL-2.0"),
    (
        "gnu.org/software/classpath/license.html",
        "GPL-2.0-only WITH Classpath-exception-2.0",
    ),
    ("opensource.org/licenses/mit-license.php", "MIT"),
];

/// The license a well-known license URL names: the table above, and
/// `opensource.org/licenses/<SPDX id>` (or `/license/<id>`).
#[must_use]
pub fn from_url(url: &str) -> Option<String> {
    let u = url.trim();
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))?;
    let u = u.strip_prefix("www.").unwrap_or(u).trim_end_matches('/');
    let lower = u.to_ascii_lowercase();
    if let Some((_, id)) = URLS.iter().find(|(k, _)| *k == lower) {
        return Some((*id).to_string());
    }
    let id = lower
        .strip_prefix("opensource.org/licenses/")
        .or_else(|| lower.strip_prefix("opensource.org/license/"))?;
    let id = id
        .strip_suffix(".php")
        .or_else(|| id.strip_suffix(".html"))
        .unwrap_or(id);
    spdx_id(id)
}

/// `raw` as a valid SPDX expression, when each operand names an SPDX
/// license (or is a `LicenseRef-`), operators are `AND`/`OR`/`WITH` in any
/// case, and the result parses.
fn expression(raw: &str) -> Option<String> {
    let spaced = raw.replace('(', " ( ").replace(')', " ) ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    if words.len() < 2 {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut after_with = false;
    for w in words {
        let upper = w.to_ascii_uppercase();
        let tok = match upper.as_str() {
            "AND" | "OR" | "WITH" => {
                after_with = upper == "WITH";
                upper
            }
            "(" | ")" => w.to_string(),
            _ if after_with => {
                after_with = false;
                spdx::exception_id(w)?.name.to_string()
            }
            _ if w.starts_with("LicenseRef-") || w.starts_with("DocumentRef-") => w.to_string(),
            _ => spdx_id(w)?,
        };
        out.push(tok);
    }
    let text = out.join(" ").replace("( ", "(").replace(" )", ")");
    let mode = spdx::ParseMode {
        allow_deprecated: true,
        ..spdx::ParseMode::STRICT
    };
    spdx::Expression::parse_mode(&text, mode).ok()?;
    Some(text)
}

/// Normalise every value, dropping those that declare nothing and
/// duplicates (order kept).
#[must_use]
pub fn normalize_all<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if let Some(n) = normalize(v) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_short_names() {
        // From syft's own expectations for the same Debian files
        // (fleet `slim`, `syft -o syft-json`: value → spdxExpression).
        for (raw, want) in [
            ("GPL-2", "GPL-2.0-only"),
            ("GPL-2+", "GPL-2.0-or-later"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            ("LGPL-2.0+", "LGPL-2.0-or-later"),
            ("BSD-3-clause", "BSD-3-Clause"),
            ("BSD-2-clause-NetBSD", "BSD-2-Clause"),
            ("Apache-2", "Apache-2.0"),
            ("zlib", "Zlib"),
            ("Ms-PL", "MS-PL"),
            ("GFDL-1.3", "GFDL-1.3-only"),
            ("BSD-4-clause-UC", "BSD-4-Clause-UC"),
            ("X11", "X11"),
            ("CC-BY-3.0", "CC-BY-3.0"),
            ("Expat", "MIT"),
        ] {
            assert_eq!(normalize(raw).as_deref(), Some(want), "{raw}");
        }
        // Names that are not one SPDX license stay as written.
        for raw in [
            "public-domain",
            "GPL",
            "LGPL",
            "Artistic",
            "GFDL-NIV-1.3",
            "permissive",
            "BSD",
            "GPL-2+ with OpenSSL exception",
        ] {
            assert_eq!(normalize(raw).as_deref(), Some(raw), "{raw}");
        }
    }

    #[test]
    fn expressions_and_long_names() {
        for (raw, want) in [
            ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
            ("(MIT or Apache-2.0)", "(MIT OR Apache-2.0)"),
            (
                "GPL-2+ or Artistic-1.0-Perl",
                "GPL-2.0-or-later OR Artistic-1.0-Perl",
            ),
            (
                "GPL-2.0-only WITH Classpath-exception-2.0",
                "GPL-2.0-only WITH Classpath-exception-2.0",
            ),
            ("LicenseRef-Proprietary", "LicenseRef-Proprietary"),
            ("Apache License, Version 2.0", "Apache-2.0"),
            ("The Apache Software License, Version 2.0", "Apache-2.0"),
            ("MIT License", "MIT"),
            ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
            (
                "GNU General Public License v2 or later (GPLv2+)",
                "GPL-2.0-or-later",
            ),
            ("GPLv2+", "GPL-2.0-or-later"),
            ("ASL 2.0", "Apache-2.0"),
            ("Apache-2.0+", "Apache-2.0+"),
        ] {
            assert_eq!(normalize(raw).as_deref(), Some(want), "{raw}");
        }
        assert_eq!(
            normalize("GPLv2+ and LGPLv2+").as_deref(),
            Some("GPL-2.0-or-later AND LGPL-2.0-or-later")
        );
        assert_eq!(normalize("MIT and BSD").as_deref(), Some("MIT and BSD"));
        assert_eq!(normalize("UNKNOWN"), None);
        assert_eq!(normalize("  "), None);
    }

    #[test]
    fn license_urls() {
        for (url, want) in [
            (
                "https://www.apache.org/licenses/LICENSE-2.0.txt",
                Some("Apache-2.0"),
            ),
            (
                "http://www.apache.org/licenses/LICENSE-2.0",
                Some("Apache-2.0"),
            ),
            ("https://opensource.org/licenses/MIT", Some("MIT")),
            (
                "https://opensource.org/license/bsd-3-clause/",
                Some("BSD-3-Clause"),
            ),
            (
                "https://www.eclipse.org/legal/epl-v10.html",
                Some("EPL-1.0"),
            ),
            ("https://example.com/LICENSE", None),
        ] {
            assert_eq!(from_url(url).as_deref(), want, "{url}");
        }
        assert_eq!(
            normalize("https://example.com/LICENSE").as_deref(),
            Some("https://example.com/LICENSE")
        );
    }

    #[test]
    fn no_two_current_ids_share_a_key() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for l in spdx::identifiers::LICENSES
            .iter()
            .filter(|l| !is_deprecated(l))
        {
            if let Some(other) = seen.insert(key(l.name), l.name) {
                panic!("`{}` and `{other}` compare equal", l.name);
            }
        }
    }

    #[test]
    fn version_spellings_are_equivalent_only() {
        assert_eq!(
            version_spellings("GPL-2.0-only"),
            ["GPL-2-only", "GPL-2.0.0-only"]
        );
        assert_eq!(version_spellings("LGPL-2.1"), ["LGPL-2.1.0"]);
        assert!(version_spellings("0BSD").is_empty());
        assert!(version_spellings("MIT").is_empty());
    }
}
