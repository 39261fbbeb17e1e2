//! The probes that run during the index pass: they see candidate files'
//! bytes once and keep only small facts.
//!
//! - `reach-elf`: every ELF file (magic in `head`), keeping its
//!   [`ElfInfo`] in a few short lines.
//! - `reach-script`: `*.py` files and `#!` scripts up to
//!   [`MAX_SCRIPT`] bytes, keeping the `#!` line, the imported module names
//!   (Python sources and python-run scripts) and the simple commands (shell
//!   scripts).
//!
//! Both reject other files from their path and first bytes alone.

use super::paths::file_name;
use super::{python, shell};
use pare_elf::{self as elf, ElfInfo};
use pare_fsindex::Probe;

/// Name of the ELF probe (key of its results).
pub const ELF_PROBE: &str = "reach-elf";
/// Name of the script probe.
pub const SCRIPT_PROBE: &str = "reach-script";
/// Largest script read (bigger `.py` files are generated tables).
pub const MAX_SCRIPT: u64 = 4 << 20;

/// Extracts [`ElfInfo`].
pub struct ElfProbe;

impl Probe for ElfProbe {
    fn name(&self) -> &'static str {
        ELF_PROBE
    }
    fn wants(&self, _path: &str, size: u64, _mode: u32, head: &[u8]) -> bool {
        size >= 52 && head.starts_with(b"\x7fELF")
    }
    fn probe(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        elf::parse(data).map(|i| i.encode())
    }
    /// Program headers, `PT_INTERP`, `.dynamic` and `.dynstr` only.
    fn reads_code(&self) -> bool {
        false
    }
}

/// Extracts [`Script`].
pub struct ScriptProbe;

impl Probe for ScriptProbe {
    fn name(&self) -> &'static str {
        SCRIPT_PROBE
    }
    fn wants(&self, path: &str, size: u64, _mode: u32, head: &[u8]) -> bool {
        size <= MAX_SCRIPT
            && (head.starts_with(b"#!") || (path.ends_with(".py") && !head.starts_with(b"\x7fELF")))
    }
    fn probe(&self, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        Some(Script::extract(path, data).encode())
    }
}

/// What the script probe keeps of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// The `#!` line's interpreter and argument.
    pub shebang: Option<(String, Option<String>)>,
    /// Python imports (relative ones with their dots).
    pub imports: Vec<String>,
    /// Shell commands, as words.
    pub commands: Vec<Vec<String>>,
}

/// Shells whose scripts' commands are kept.
pub(crate) fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh" | "busybox"
    )
}

impl Script {
    /// Extract from a file's bytes.
    #[must_use]
    pub fn extract(path: &str, data: &[u8]) -> Script {
        let shebang = shell::shebang(data);
        let interp = shebang.as_ref().map(|(i, a)| {
            // `/usr/bin/env python3` → `python3`.
            if file_name(i) == "env" {
                a.as_deref()
                    .and_then(|a| {
                        a.split_whitespace()
                            .find(|w| !w.starts_with('-') && !w.contains('='))
                    })
                    .unwrap_or("")
                    .to_string()
            } else {
                file_name(i).to_string()
            }
        });
        let mut s = Script {
            shebang,
            ..Script::default()
        };
        let interp = interp.as_deref().unwrap_or("");
        if path.ends_with(".py") || interp.starts_with("python") {
            s.imports = python::imports_bytes(data);
        } else if is_shell(interp) {
            s.commands = shell::commands(&String::from_utf8_lossy(data));
        }
        s
    }

    /// Compact text form: `#!interp\targ`, `i name`, `c word\tword…` lines.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let clean = |s: &str| s.replace(['\n', '\t', '\r'], " ");
        let mut out = String::new();
        if let Some((i, a)) = &self.shebang {
            out.push_str("#!");
            out.push_str(&clean(i));
            if let Some(a) = a {
                out.push('\t');
                out.push_str(&clean(a));
            }
            out.push('\n');
        }
        for m in &self.imports {
            out.push_str("i ");
            out.push_str(&clean(m));
            out.push('\n');
        }
        for c in &self.commands {
            out.push_str("c ");
            out.push_str(&c.iter().map(|w| clean(w)).collect::<Vec<_>>().join("\t"));
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Inverse of [`Script::encode`] (lenient: unknown lines are skipped).
    #[must_use]
    pub fn decode(b: &[u8]) -> Script {
        let text = String::from_utf8_lossy(b);
        let mut s = Script::default();
        for l in text.lines() {
            if let Some(r) = l.strip_prefix("#!") {
                s.shebang = Some(match r.split_once('\t') {
                    Some((i, a)) => (i.to_string(), Some(a.to_string())),
                    None => (r.to_string(), None),
                });
            } else if let Some(r) = l.strip_prefix("i ") {
                s.imports.push(r.to_string());
            } else if let Some(r) = l.strip_prefix("c ") {
                s.commands.push(r.split('\t').map(str::to_string).collect());
            }
        }
        s
    }
}

/// Decode an ELF probe result.
#[must_use]
pub fn decode_elf(b: &[u8]) -> Option<ElfInfo> {
    ElfInfo::decode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_round_trip() {
        let s = Script::extract(
            "/usr/local/bin/start",
            b"#!/bin/sh -e\nset -e\nexec gunicorn app:app\n",
        );
        assert_eq!(s.shebang, Some(("/bin/sh".into(), Some("-e".into()))));
        assert_eq!(s.commands, [["gunicorn", "app:app"]]);
        assert_eq!(Script::decode(&s.encode()), s);
        let p = Script::extract("/usr/bin/tool", b"#!/usr/bin/env python3\nimport json\n");
        assert_eq!(p.imports, ["json"]);
        assert_eq!(Script::decode(&p.encode()), p);
    }

    #[test]
    fn probes_reject_cheaply() {
        assert!(!ScriptProbe.wants("/a.txt", 10, 0o644, b"hello"));
        assert!(ScriptProbe.wants("/a.py", 10, 0o644, b"import x"));
        assert!(ScriptProbe.wants("/bin/x", 10, 0o755, b"#!/bin/sh"));
        assert!(!ScriptProbe.wants("/a.py", MAX_SCRIPT + 1, 0o644, b"import x"));
        assert!(!ElfProbe.wants("/a", 100, 0o755, b"#!/bin/sh"));
        assert!(ElfProbe.wants("/a", 100, 0o755, b"\x7fELF\x02"));
    }
}
