//! apk's database in a slimmed image: `/lib/apk/db/installed` keeps the
//! records of the packages whose files remain, each listing only the files
//! kept (and the directories holding them), so that scanners (trivy, grype,
//! syft, `pare sbom`) see exactly what the image still carries. Without it
//! an Alpine image slimmed to its closure would show no OS packages at all.
//!
//! The format (apk-tools' `installed`, one record per package, blank-line
//! separated): package fields (`P:` name, `V:` version, ...), then per
//! directory an `F:` line and its `M:` (owner and mode), then per file an
//! `R:` line and its `a:` (owner and mode) and `Z:` (checksum).
//!
//! Example: a kept `musl` whose `/lib/libc.musl-x86_64.so.1` was removed
//! keeps `F:lib` and `R:ld-musl-x86_64.so.1` (and its `Z:`), loses the other
//! `R:`; a removed `busybox` loses its record.

use std::collections::HashSet;

/// Where apk keeps its database.
pub const DB: &str = "/lib/apk/db/installed";

/// Other files of apk's database, not needed to scan an image (the
/// packages' install scripts, triggers, the lock): dropped.
pub const DB_DIR: &str = "/lib/apk/db";

/// `text` (an `installed` database) with only the records of the packages
/// named in `kept`, each listing only the files `keep` takes.
/// Lines are split at `\n` only, so that every line written is one of
/// `text`'s, byte for byte.
pub fn rewrite(text: &str, kept: &HashSet<&str>, keep: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    for record in text.split("\n\n") {
        let name = record.split('\n').find_map(|l| l.strip_prefix("P:"));
        if !name.is_some_and(|n| kept.contains(n)) {
            continue;
        }
        let mut lines: Vec<&str> = Vec::new();
        // The current directory's `F:` and `M:` lines, written before its
        // first kept file.
        let mut dir_lines: Vec<&str> = Vec::new();
        let mut dir = "";
        let mut file_kept = false;
        for l in record.split('\n').filter(|l| !l.is_empty()) {
            match l.get(..2) {
                Some("F:") => {
                    dir = l[2..].trim_matches('/');
                    dir_lines = vec![l];
                    file_kept = false;
                }
                Some("M:") if !dir_lines.is_empty() => dir_lines.push(l),
                Some("R:") => {
                    let path = if dir.is_empty() {
                        format!("/{}", &l[2..])
                    } else {
                        format!("/{dir}/{}", &l[2..])
                    };
                    file_kept = keep(&path);
                    if file_kept {
                        lines.append(&mut dir_lines);
                        lines.push(l);
                    }
                }
                Some("a:" | "Z:") => {
                    if file_kept {
                        lines.push(l);
                    }
                }
                // A directory's mode after its first kept file, and the
                // package's own fields.
                _ => lines.push(l),
            }
        }
        out.push_str(&lines.join("\n"));
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two records laid out as apk-tools 2.14 writes them (Alpine 3.19's
    /// `musl` and `busybox`; checksums and most files left out or made up).
    const INSTALLED: &str = "C:Q1rnmPmVAFcs7gXkDOJQcp8DSb3AI=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407278
I:662528
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1701255823
c:7f0a4ab1d5ca2d7a0e4e2b0b7f3b8f7f4a8b0c3a
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1+6Vh0W7zjqNqP8/SUa8hq7gHmCo=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1u8VY0bAY5dWXqmF6ihp3fUTK8eY=
P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
F:bin
R:busybox
a:0:0:755
Z:Q1WBbx6sOWaVeACRBjtkvdE4xjmDE=
F:etc
R:securetty
Z:Q1mB95Hq2NUTZ599RDiSsj9w5FrOM=
F:etc/busybox-paths.d
M:0:0:755
R:busybox
Z:Q1hm4pHQ4iBHkd7u/BmX8EdQovI8E=

";

    #[test]
    fn a_kept_package_lists_only_its_kept_files_and_a_removed_one_goes() {
        let kept: HashSet<&str> = ["musl"].into_iter().collect();
        let out = rewrite(INSTALLED, &kept, &|p| p == "/lib/ld-musl-x86_64.so.1");
        assert!(
            out.starts_with("C:Q1rnmPmVAFcs7gXkDOJQcp8DSb3AI=\nP:musl\nV:1.2.4_git20230717-r4\n")
        );
        assert!(
            out.contains(
                "F:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1+6Vh0W7zjqNqP8/SUa8hq7gHmCo=\n\n"
            ),
            "{out}"
        );
        assert!(
            !out.contains("libc.musl") && !out.contains("busybox"),
            "{out}"
        );
    }

    #[test]
    fn a_directory_is_listed_only_with_a_kept_file_and_keeps_its_mode() {
        let kept: HashSet<&str> = ["busybox"].into_iter().collect();
        let out = rewrite(INSTALLED, &kept, &|p| p == "/etc/busybox-paths.d/busybox");
        assert_eq!(
            out,
            "C:Q1u8VY0bAY5dWXqmF6ihp3fUTK8eY=\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\no:busybox\nF:etc/busybox-paths.d\nM:0:0:755\nR:busybox\nZ:Q1hm4pHQ4iBHkd7u/BmX8EdQovI8E=\n\n"
        );
        // Nothing kept: an empty database, which apk and scanners read as
        // no packages.
        assert_eq!(rewrite(INSTALLED, &HashSet::new(), &|_| true), "");
    }
}
