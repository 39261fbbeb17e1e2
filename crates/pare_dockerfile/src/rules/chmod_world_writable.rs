//! DF019 `chmod-world-writable`: `chmod 777` and other world-writable modes.

use crate::checker::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF019
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF019",
    name: "chmod-world-writable",
    summary: "`chmod 777` or another world-writable mode",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags `chmod` with a mode that makes files writable by everyone (`777`,
`666`, `o+w`, `a+rwx`). Sticky directories (`1777`, as for `/tmp`) are not
flagged.

## Why is this bad?
Any process in the container, whatever its user, can then replace the
application's code or configuration: one foothold becomes persistence.
`chmod 777` is usually a workaround for a wrong owner; `chown` (or
`COPY --chown`) to the runtime user instead.

## Example
```dockerfile
RUN chmod -R 777 /app
```

Use instead:
```dockerfile
COPY --chown=65532:65532 . /app
```

## Fix safety
No automatic fix.

## References
- https://docs.docker.com/reference/dockerfile/#copy---chown---chmod
"#,
};

fn world_writable(mode: &str) -> bool {
    if mode.chars().all(|c| c.is_ascii_digit()) && (3..=4).contains(&mode.len()) {
        let Ok(n) = u32::from_str_radix(mode, 8) else {
            return false;
        };
        let sticky = n & 0o1000 != 0;
        return n & 0o002 != 0 && !sticky;
    }
    mode.split(',').any(|clause| {
        let Some(pos) = clause.find(['+', '=']) else {
            return false;
        };
        let (who, perms) = clause.split_at(pos);
        (who.contains('o') || who.contains('a'))
            && perms[1..].contains('w')
            && !perms[1..].contains('t')
    })
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        for (ins, origin, c) in ch.stage_commands(st) {
            if c.program() != Some("chmod") {
                continue;
            }
            let mode = c
                .effective()
                .iter()
                .skip(1)
                .find(|w| !w.text.starts_with('-'));
            if let Some(w) = mode.filter(|w| world_writable(&w.text)) {
                found.push((ch.command_span(ins, origin, c), w.text.clone()));
            }
        }
    }
    for (span, mode) in found {
        let d = ch.report(
            rule,
            span,
            format!("`chmod {mode}` makes files writable by every user"),
        );
        d.help =
            Some("give ownership to the runtime user (`chown`, `COPY --chown`) instead".into());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes() {
        assert!(super::world_writable("777"));
        assert!(super::world_writable("0666"));
        assert!(super::world_writable("a+rwx"));
        assert!(super::world_writable("u+x,o+w"));
        assert!(!super::world_writable("1777"));
        assert!(!super::world_writable("755"));
        assert!(!super::world_writable("+x"));
    }
}
