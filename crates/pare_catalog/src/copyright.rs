//! Licenses declared in a Debian package's `/usr/share/doc/PKG/copyright`.
//!
//! A machine-readable file (DEP-5: the first field is `Format:` naming the
//! copyright-format specification, or the draft's `Format-Specification:`)
//! declares each license in a `License:` field whose first line is a short
//! name or an expression of them (`GPL-2+ or Artistic`, `A or B, and C`);
//! every short name in it is a declared license. Continuation lines are the
//! license text and are not read.
//!
//! A free-form file has no fields to read. Its declarations that can be
//! read without guessing are references to the licenses Debian ships in
//! `/usr/share/common-licenses/` (`see /usr/share/common-licenses/GPL-2`),
//! which syft reads too.
//!
//! The names come back as written (`GPL-2+`); [`crate::license::normalize`]
//! maps them to SPDX.
//!
//! Why pare's own parser: the format is a handful of `Field: value` lines,
//! and the two crates that read it (`debian-copyright`) pull in a full
//! deb822 stack for what is one pass over the lines here.
//!
//! ## References
//! - <https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/>
//! - syft `syft/pkg/cataloger/debian/parse_copyright.go`

/// Longest copyright file read (the largest in Debian 12 is under 1 MiB).
pub const MAX_LEN: usize = 4 << 20;

/// Whether the first field of `text` declares the DEP-5 format.
#[must_use]
pub fn is_machine_readable(text: &str) -> bool {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    let Some((field, value)) = first.split_once(':') else {
        return false;
    };
    let field = field.trim();
    (field.eq_ignore_ascii_case("Format") || field.eq_ignore_ascii_case("Format-Specification"))
        && (value.contains("copyright-format") || value.contains("dep5"))
}

/// The license short names `text` declares, in order of first appearance,
/// without duplicates.
#[must_use]
pub fn licenses(text: &str) -> Vec<String> {
    let text = if text.len() > MAX_LEN {
        // Cut at a char boundary; a license past 4 MiB is not worth a cap breach.
        let mut end = MAX_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    } else {
        text
    };
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim().trim_end_matches(['.', ',', ';']);
        if !s.is_empty() && !s.eq_ignore_ascii_case("none") && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    if is_machine_readable(text) {
        for line in text.lines() {
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            if line.starts_with([' ', '\t']) || !field.eq_ignore_ascii_case("License") {
                continue;
            }
            for name in split_expression(value) {
                push(name);
            }
        }
    } else {
        const DIR: &str = "/usr/share/common-licenses/";
        let mut rest = text;
        while let Some(i) = rest.find(DIR) {
            rest = &rest[i + DIR.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')))
                .unwrap_or(rest.len());
            push(&rest[..end]);
        }
    }
    out
}

/// The operands of a DEP-5 license expression: `GPL-2+ or Artistic, and
/// BSD-3-clause` gives `GPL-2+`, `Artistic`, `BSD-3-clause`. An operand with
/// an exception (`GPL-2+ with OpenSSL exception`) is kept whole.
fn split_expression(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in value.split(',') {
        let mut rest = part.trim();
        for op in ["and ", "or "] {
            if rest.len() > op.len() && rest[..op.len()].eq_ignore_ascii_case(op) {
                rest = rest[op.len()..].trim();
            }
        }
        loop {
            let lower = rest.to_ascii_lowercase();
            let cut = [" or ", " and "]
                .iter()
                .filter_map(|op| lower.find(op).map(|i| (i, op.len())))
                .min();
            match cut {
                Some((i, n)) => {
                    out.push(rest[..i].trim());
                    rest = rest[i + n..].trim();
                }
                None => {
                    out.push(rest);
                    break;
                }
            }
        }
    }
    out.retain(|s| {
        !s.is_empty() && !s.eq_ignore_ascii_case("and") && !s.eq_ignore_ascii_case("or")
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `resources/test/fixtures/copyright/PKG` are the unmodified
    /// `/usr/share/doc/PKG/copyright` files of Debian 12's packages, copied
    /// from the fleet's `slim` and `distroless` images
    /// (`PARE_FLEET/slim/rootfs/usr/share/doc/PKG/copyright`).
    fn fixture(name: &str) -> String {
        let p = crate::testutil::fixture(&format!("copyright/{name}"));
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn expressions_split_into_names() {
        assert_eq!(
            split_expression(" GPL-2+ or Artistic, and BSD-3-clause"),
            ["GPL-2+", "Artistic", "BSD-3-clause"]
        );
        assert_eq!(
            split_expression("GPL-2+ with OpenSSL exception"),
            ["GPL-2+ with OpenSSL exception"]
        );
        assert_eq!(split_expression("LGPL-2.1+ OR MIT"), ["LGPL-2.1+", "MIT"]);
    }

    #[test]
    fn format_header() {
        assert!(is_machine_readable(
            "\n\nFormat: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        ));
        assert!(is_machine_readable(
            "Format-Specification: http://svn.debian.org/wsvn/dep/web/deps/dep5.mdwn?op=file&rev=135\n"
        ));
        assert!(!is_machine_readable(
            "Some-Field: x\nFormat: copyright-format\n"
        ));
        assert!(!is_machine_readable(""));
    }

    #[test]
    fn never_panics_on_garbage() {
        for t in [
            "",
            ":",
            "License:",
            "/usr/share/common-licenses/",
            "Format: dep5\nLicense: , or and ,\n",
            "\u{0}License: x",
        ] {
            let _ = licenses(t);
        }
    }

    #[test]
    fn debian_12_files() {
        // libc6: free-form; the declarations are common-licenses paths.
        assert_eq!(licenses(&fixture("libc6")), ["LGPL-2.1", "GPL-2"]);
        // openssl: DEP-5, `License: Apache-2.0` and the perl bits.
        let l = licenses(&fixture("openssl"));
        assert!(l.contains(&"Apache-2.0".to_string()), "{l:?}");
        // tzdata: DEP-5, public domain.
        assert_eq!(licenses(&fixture("tzdata")), ["public-domain"]);
        // libaudit-common (also a syft fixture, older): DEP-5. The
        // `common-licenses/GPL-1` path inside the GPL-2 text is a reference,
        // not a declaration (syft counts it).
        assert_eq!(licenses(&fixture("libaudit-common")), ["GPL-2", "LGPL-2.1"]);
        // liblzma5: DEP-5 with stand-alone license paragraphs; an empty
        // `License:` (the summary) and `none` declare nothing.
        assert_eq!(
            licenses(&fixture("liblzma5")),
            [
                "PD",
                "probably-PD",
                "GPL-2+",
                "LGPL-2.1+",
                "permissive-fsf",
                "Autoconf",
                "permissive-nowarranty",
                "GPL-2",
                "config-h",
                "noderivs",
                "PD-debian"
            ]
        );
        // base-files and gcc-12-base: free-form.
        assert_eq!(licenses(&fixture("base-files")), ["GPL"]);
        let gcc = licenses(&fixture("gcc-12-base"));
        assert!(gcc.contains(&"GPL-3".to_string()), "{gcc:?}");
    }
}
