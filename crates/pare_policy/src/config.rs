//! `pare.toml` and `.pareignore.toml`: the policy rules and ignore entries.
//!
//! ```toml
//! [policy]
//! default-action = "ignore"          # for findings no rule matches
//!
//! [[policy.rules]]                   # ordered: the first match decides
//! name = "fixable-critical-in-app"
//! action = "fail"                    # fail | warn | ignore
//! severity = "critical"              # or a list; critical high medium low negligible unknown
//! fix = true                         # a fixed version exists
//! layer = ["app", "unknown"]         # base | app | unknown
//! reachability = "reachable"         # reachable | unreachable | unknown
//! ecosystem = "deb"                  # deb apk rpm pypi npm go cargo maven
//! package = "openssl*"               # globs, case-insensitive
//! id = "CVE-2024-*"                  # matched against IDs and aliases
//! kind = "vulnerability"             # or expired-ignore | stale-ignore (default: vulnerability)
//!
//! [[ignore]]
//! id = "CVE-2023-4039"
//! package = "libgcc-s1"              # optional scope: package glob, purl, path glob
//! reason = "only affects -fstack-protector on AArch64"
//! expires = 2026-12-31               # required; the last day it applies
//! ticket = "SEC-142"                 # optional
//!
//! [[unknowns.accept]]                # see crate::unknown
//! kind = "no-package-db"             # no-image-content no-package-db no-advisories unowned-files unknown-layer-origin unscanned-files
//! reason = "extract-variant base, scanned where it is built"
//! expires = 2027-06-30               # required, as for ignore entries
//! ```
//!
//! When `[[policy.rules]]` is present it replaces the default policy
//! ([`crate::default_rules`]) entirely, so what is written is what runs.
//! Unknown keys and bad values are errors that point at the line and
//! column.

use crate::ignore::IgnoreEntry;
use crate::rule::{Action, Pattern, Rule};
use crate::subject::{Kind, LayerClass, Reach};
use pare_findings::Date;
use pare_findings::{Ecosystem, LineIndex, VulnSeverity};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file names looked for, from the working directory upward.
pub const CONFIG_NAME: &str = "pare.toml";
/// Ignore entries kept apart from the policy.
pub const IGNORE_NAME: &str = ".pareignore.toml";

/// A configuration error, pointing at the offending text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed `pare.toml` (or `.pareignore.toml`, which may hold only
/// `[[ignore]]`).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Rules, in order; `None` when the file declares none (the default
    /// policy applies).
    pub rules: Option<Vec<Rule>>,
    /// Action for findings no rule matches.
    pub default_action: Option<Action>,
    /// Ignore entries.
    pub ignores: Vec<IgnoreEntry>,
    /// Unknowns accepted.
    pub accept_unknowns: Vec<crate::AcceptUnknown>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    policy: Option<RawPolicy>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    unknowns: Option<RawUnknowns>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawUnknowns {
    #[serde(default)]
    accept: Vec<Spanned<RawAccept>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAccept {
    kind: Spanned<String>,
    reason: Spanned<String>,
    expires: Spanned<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    default_action: Option<Spanned<String>>,
    rules: Option<Vec<Spanned<RawRule>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    name: Option<String>,
    action: Spanned<String>,
    kind: Option<Spanned<OneOrMany>>,
    severity: Option<Spanned<OneOrMany>>,
    fix: Option<bool>,
    layer: Option<Spanned<OneOrMany>>,
    reachability: Option<Spanned<OneOrMany>>,
    ecosystem: Option<Spanned<OneOrMany>>,
    package: Option<Spanned<OneOrMany>>,
    id: Option<Spanned<OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIgnore {
    id: Spanned<String>,
    package: Option<Spanned<String>>,
    purl: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    reason: Spanned<String>,
    expires: Spanned<toml::Value>,
    ticket: Option<String>,
}

/// A string or a list of strings.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    index: LineIndex,
}

impl Ctx<'_> {
    fn err(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        let (line, column) = match span {
            Some(r) => {
                let lc = self.index.line_col(self.text, r.start.min(self.text.len()));
                (lc.line, lc.col)
            }
            None => (1, 1),
        };
        ConfigError {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.index
            .line_col(self.text, span.start.min(self.text.len()))
            .line
    }
}

/// Parse a `pare.toml` or `.pareignore.toml` held in `text` (read from
/// `path`, which names the file in errors and in each rule's origin).
///
/// # Errors
/// Syntax errors, unknown keys, bad values, each with line and column.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let cx = Ctx {
        path,
        text,
        index: LineIndex::new(text),
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().replace('\n', " ");
        cx.err(e.span(), msg)
    })?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let mut cfg = Config::default();
    if let Some(policy) = raw.policy {
        if let Some(a) = policy.default_action {
            cfg.default_action = Some(action(&cx, &a)?);
        }
        if let Some(rules) = policy.rules {
            let mut out = Vec::with_capacity(rules.len());
            for (i, r) in rules.into_iter().enumerate() {
                let span = r.span();
                out.push(rule(&cx, &file, i, &span, r.into_inner())?);
            }
            cfg.rules = Some(out);
        }
    }
    for e in raw.ignore {
        let span = e.span();
        cfg.ignores.push(ignore(&cx, &file, &span, e.into_inner())?);
    }
    for a in raw.unknowns.map(|u| u.accept).unwrap_or_default() {
        let span = a.span();
        let a = a.into_inner();
        let names: Vec<&str> = crate::UnknownKind::ALL.iter().map(|k| k.as_str()).collect();
        let kind = crate::UnknownKind::ALL
            .into_iter()
            .find(|k| k.as_str() == a.kind.get_ref().as_str())
            .ok_or_else(|| {
                cx.err(
                    Some(a.kind.span()),
                    format!(
                        "unknown kind `{}`, expected one of: {}",
                        a.kind.get_ref(),
                        names.join(", ")
                    ),
                )
            })?;
        if a.reason.get_ref().trim().is_empty() {
            return Err(cx.err(Some(a.reason.span()), "`reason` must not be empty"));
        }
        cfg.accept_unknowns.push(crate::AcceptUnknown {
            kind,
            reason: a.reason.get_ref().trim().to_string(),
            expires: date(&cx, &a.expires)?,
            origin: format!("{file}:{}", cx.line(&span)),
        });
    }
    Ok(cfg)
}

/// `expires = 2026-12-31` (a TOML date, or a string).
fn date(cx: &Ctx<'_>, v: &Spanned<toml::Value>) -> Result<Date, ConfigError> {
    match v.get_ref() {
        toml::Value::Datetime(dt) => match dt.date {
            Some(d) => Date::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
            None => Err("a time without a date".to_string()),
        },
        toml::Value::String(s) => Date::parse(s),
        other => Err(format!("a {} is not a date", other.type_str())),
    }
    .map_err(|m| {
        cx.err(
            Some(v.span()),
            format!("`expires`: {m} (write it as `expires = 2026-12-31`)"),
        )
    })
}

fn action(cx: &Ctx<'_>, a: &Spanned<String>) -> Result<Action, ConfigError> {
    Action::parse(a.get_ref()).ok_or_else(|| {
        cx.err(
            Some(a.span()),
            format!(
                "unknown action `{}`, expected `fail`, `warn` or `ignore`",
                a.get_ref()
            ),
        )
    })
}

/// A list value's span and strings.
type Items = (Range<usize>, Vec<String>);

/// The strings of an optional list value, with its span; an empty list is
/// an error (leaving the key out is how to match anything).
fn items(
    cx: &Ctx<'_>,
    field: &str,
    v: Option<Spanned<OneOrMany>>,
) -> Result<Option<Items>, ConfigError> {
    let Some(v) = v else { return Ok(None) };
    let span = v.span();
    let items = v.into_inner().0;
    if items.is_empty() {
        return Err(cx.err(
            Some(span),
            format!("`{field}` is an empty list: leave it out to match anything"),
        ));
    }
    Ok(Some((span, items)))
}

fn values<T>(
    cx: &Ctx<'_>,
    field: &str,
    v: Option<Spanned<OneOrMany>>,
    allowed: &[&str],
    conv: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ConfigError> {
    let Some((span, items)) = items(cx, field, v)? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|s| {
            conv(s).ok_or_else(|| {
                cx.err(
                    Some(span.clone()),
                    format!(
                        "unknown {field} `{s}`, expected one of: {}",
                        allowed.join(", ")
                    ),
                )
            })
        })
        .collect()
}

fn patterns(
    cx: &Ctx<'_>,
    field: &str,
    v: Option<Spanned<OneOrMany>>,
) -> Result<Vec<Pattern>, ConfigError> {
    let Some((span, items)) = items(cx, field, v)? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|s| Pattern::new(s).map_err(|m| cx.err(Some(span.clone()), m)))
        .collect()
}

const ECOSYSTEMS: [Ecosystem; 8] = [
    Ecosystem::Deb,
    Ecosystem::Apk,
    Ecosystem::Rpm,
    Ecosystem::Pypi,
    Ecosystem::Npm,
    Ecosystem::Go,
    Ecosystem::Cargo,
    Ecosystem::Maven,
];

fn rule(
    cx: &Ctx<'_>,
    file: &str,
    i: usize,
    span: &Range<usize>,
    r: RawRule,
) -> Result<Rule, ConfigError> {
    let kinds_allowed: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let layers_allowed: Vec<&str> = LayerClass::ALL.iter().map(|k| k.as_str()).collect();
    let reach_allowed: Vec<&str> = Reach::ALL.iter().map(|k| k.as_str()).collect();
    let eco_allowed: Vec<&str> = ECOSYSTEMS.iter().map(|k| k.as_str()).collect();
    let severities_allowed: Vec<&str> = VulnSeverity::ALL.iter().map(|k| k.as_str()).collect();
    let line = cx.line(span);
    Ok(Rule {
        name: r.name.unwrap_or_else(|| format!("rule {}", i + 1)),
        origin: format!("{file}:{line}"),
        action: action(cx, &r.action)?,
        kinds: values(cx, "kind", r.kind, &kinds_allowed, |s| {
            Kind::ALL.into_iter().find(|k| k.as_str() == s)
        })?,
        severities: values(cx, "severity", r.severity, &severities_allowed, |s| {
            let s = s.to_ascii_lowercase();
            VulnSeverity::ALL.into_iter().find(|v| v.as_str() == s)
        })?,
        fix: r.fix,
        layers: values(cx, "layer", r.layer, &layers_allowed, |s| {
            LayerClass::ALL.into_iter().find(|k| k.as_str() == s)
        })?,
        reach: values(cx, "reachability", r.reachability, &reach_allowed, |s| {
            Reach::ALL.into_iter().find(|k| k.as_str() == s)
        })?,
        ecosystems: values(cx, "ecosystem", r.ecosystem, &eco_allowed, |s| {
            ECOSYSTEMS.into_iter().find(|k| k.as_str() == s)
        })?,
        packages: patterns(cx, "package", r.package)?,
        ids: patterns(cx, "id", r.id)?,
    })
}

fn ignore(
    cx: &Ctx<'_>,
    file: &str,
    span: &Range<usize>,
    r: RawIgnore,
) -> Result<IgnoreEntry, ConfigError> {
    let nonempty = |s: &Spanned<String>, what: &str| {
        if s.get_ref().trim().is_empty() {
            Err(cx.err(Some(s.span()), format!("`{what}` must not be empty")))
        } else {
            Ok(s.get_ref().trim().to_string())
        }
    };
    let id = nonempty(&r.id, "id")?;
    let reason = nonempty(&r.reason, "reason")?;
    let expires = date(cx, &r.expires)?;
    let package = r
        .package
        .map(|p| Pattern::new(p.get_ref()).map_err(|m| cx.err(Some(p.span()), m)))
        .transpose()?;
    let paths = r
        .path
        .map(|p| {
            Pattern::new(p.get_ref().trim_start_matches('/')).map_err(|m| cx.err(Some(p.span()), m))
        })
        .transpose()?
        .into_iter()
        .collect();
    let purls = match r.purl {
        Some(p) if !p.get_ref().starts_with("pkg:") => {
            return Err(cx.err(
                Some(p.span()),
                format!(
                    "`{}` is not a package URL (expected `pkg:type/name`)",
                    p.get_ref()
                ),
            ))
        }
        Some(p) => vec![p.into_inner()],
        None => Vec::new(),
    };
    Ok(IgnoreEntry {
        id,
        package,
        purls,
        paths,
        reason: Some(reason),
        expires: Some(expires),
        ticket: r.ticket.filter(|t| !t.trim().is_empty()),
        origin: format!("{file}:{}", cx.line(span)),
        scanner: None,
        invalid: None,
    })
}

/// Find `pare.toml` in `start` or its ancestors.
#[must_use]
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(CONFIG_NAME))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Config, ConfigError> {
        parse(Path::new("pare.toml"), text)
    }

    #[test]
    fn full_config_parses() {
        let cfg = p(r#"
[policy]
default-action = "warn"

[[policy.rules]]
name = "block"
action = "fail"
severity = ["critical", "high"]
fix = true
layer = "app"
reachability = ["reachable", "unknown"]
ecosystem = "pypi"
package = "requests*"
id = "CVE-*"

[[policy.rules]]
action = "warn"
kind = ["expired-ignore", "stale-ignore"]

[[ignore]]
id = "CVE-2024-35195"
package = "requests"
reason = "we never call Session with verify=False"
expires = 2026-12-31
ticket = "SEC-1"
"#)
        .unwrap();
        let rules = cfg.rules.unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].origin, "pare.toml:5");
        assert_eq!(rules[1].name, "rule 2");
        assert_eq!(cfg.default_action, Some(Action::Warn));
        assert_eq!(cfg.ignores[0].origin, "pare.toml:20");
        assert_eq!(cfg.ignores[0].expires.unwrap().to_string(), "2026-12-31");
    }

    #[test]
    fn unknown_key_points_at_it() {
        let e = p("[[policy.rules]]\naction = \"fail\"\nsevrity = \"high\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1), "{e}");
        assert!(e.message.contains("unknown field `sevrity`"), "{e}");
    }

    #[test]
    fn bad_values_point_at_them() {
        let e = p("[[policy.rules]]\naction = \"block\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 10), "{e}");
        let e = p("[[policy.rules]]\naction = \"fail\"\nlayer = [\"bottom\"]\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("pare.toml:3:9: unknown layer `bottom`"),
            "{e}"
        );
        let e =
            p("[[ignore]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"next year\"\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e = p("[[ignore]]\nid = \"CVE-1\"\nexpires = 2026-01-01\n").unwrap_err();
        assert!(e.message.contains("missing field `reason`"), "{e}");
        let e = p("[[ignore]]\nid = \"CVE-1\"\nreason = \"r\"\n").unwrap_err();
        assert!(e.message.contains("missing field `expires`"), "{e}");
        let e =
            p("[[ignore]]\nid = \"CVE-1\"\nreason = \"  \"\nexpires = 2026-01-01\n").unwrap_err();
        assert!(e.message.contains("`reason` must not be empty"), "{e}");
        let e = p("[policy\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
    }

    #[test]
    fn discovers_upward() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(discover(&deep), None);
        std::fs::write(dir.path().join("pare.toml"), "").unwrap();
        assert_eq!(discover(&deep), Some(dir.path().join("pare.toml")));
    }

    #[test]
    fn unknowns_are_accepted_with_a_reason_and_expiry() {
        let c = p("[[unknowns.accept]]\nkind = \"no-package-db\"\nreason = \"extract variant\"\nexpires = 2027-01-31\n").unwrap();
        assert_eq!(c.accept_unknowns.len(), 1);
        assert_eq!(c.accept_unknowns[0].kind, crate::UnknownKind::NoPackageDb);
        assert_eq!(c.accept_unknowns[0].origin, "pare.toml:1");
        let e = p(
            "[[unknowns.accept]]\nkind = \"no-packages\"\nreason = \"x\"\nexpires = 2027-01-31\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(e.message.contains("no-package-db"), "{e}");
        let e =
            p("[[unknowns.accept]]\nkind = \"no-package-db\"\nexpires = 2027-01-31\n").unwrap_err();
        assert!(e.message.contains("missing field `reason`"), "{e}");
        let e = p(
            "[[unknowns.accept]]\nkind = \"no-package-db\"\nreason = \" \"\nexpires = 2027-01-31\n",
        )
        .unwrap_err();
        assert!(e.message.contains("must not be empty"), "{e}");
    }
}
