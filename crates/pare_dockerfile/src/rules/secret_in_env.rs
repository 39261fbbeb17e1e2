//! DF017 `secret-in-env`: secrets in `ENV` or `ARG`.

use crate::checker::Checker;
use crate::parser::{words, Keyword};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF017
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF017",
    name: "secret-in-env",
    summary: "Secret passed through `ENV` or `ARG`",
    severity: Severity::High,
    peers: &["hadolint:DL3064"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags `ENV` and `ARG` whose name says it holds a secret (`PASSWORD`,
`SECRET`, `TOKEN`, `API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, `CREDENTIALS`).
Names that hold a *reference* to a secret (ending in `_FILE`, `_PATH`,
`_DIR`, `_NAME`, `_URL`, `_ID`…) are not flagged.

## Why is this bad?
`ENV` values are stored in the image config and `ARG` values in the build
history (`docker history`): anyone who can pull the image can read them.

## Example
```dockerfile
ARG NPM_TOKEN
RUN npm ci
```

Use instead:
```dockerfile
RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
```

## Fix safety
No automatic fix.

## References
- https://docs.docker.com/build/building/secrets/
- hadolint DL3064
"#,
};

const SECRET: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIALS",
    "CLIENT_SECRET",
    "AUTH_KEY",
];
const REFERENCE: &[&str] = &[
    "FILE", "PATH", "DIR", "NAME", "URL", "ID", "USER", "USERNAME", "TYPE", "HOST", "PORT",
    "LENGTH", "EXPIRY", "TTL", "VERSION", "ENABLED", "MODE", "HEADER", "FILENAME", "ENDPOINT",
];

pub(crate) fn is_secret_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    if !SECRET.iter().any(|s| up.contains(s)) {
        return false;
    }
    let last = up.rsplit(['_', '-', '.']).next().unwrap_or(&up);
    !REFERENCE.contains(&last)
}

/// Names declared by `ENV a=1 b=2`, `ENV a 1`, `ARG a`, with spans.
fn names(ins: &crate::parser::Instruction) -> Vec<(String, usize, usize)> {
    let ws = words(&ins.args.text);
    let Some(first) = ws.first() else {
        return Vec::new();
    };
    if ins.keyword == Keyword::Env && !first.text.contains('=') {
        return vec![(first.text.clone(), first.start, first.end)];
    }
    ws.iter()
        .filter(|w| ins.keyword == Keyword::Arg || w.text.contains('='))
        .map(|w| {
            let n = w.text.split('=').next().unwrap_or("").to_string();
            (n.clone(), w.start, w.start + n.len())
        })
        .filter(|(n, _, _)| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        })
        .collect()
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for ins in &ch.df.instructions {
        if !matches!(ins.keyword, Keyword::Env | Keyword::Arg) {
            continue;
        }
        for (n, s, e) in names(ins) {
            if is_secret_name(&n) {
                found.push((ins.args.span(s, e), ins.keyword.as_str(), n));
            }
        }
    }
    for (span, kw, n) in found {
        let d = ch.report(
            rule,
            span,
            format!("`{kw} {n}` puts a secret into the image metadata"),
        );
        d.help = Some("use a build secret: `RUN --mount=type=secret,id=…`".into());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_names() {
        assert!(super::is_secret_name("GITHUB_TOKEN"));
        assert!(super::is_secret_name("db_password"));
        assert!(!super::is_secret_name("SECRET_FILE_PATH"));
        assert!(!super::is_secret_name("PASSWORD_FILE"));
        assert!(!super::is_secret_name("NODE_VERSION"));
    }
}
