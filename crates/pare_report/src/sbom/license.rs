//! How a declared license is written in an SBOM: an SPDX identifier, an
//! SPDX expression, or a name.
//!
//! Catalogers normalise what they can to SPDX (`pare_catalog::license`);
//! here each value is classified with the `spdx` crate: one license from
//! the SPDX list (deprecated ones included, they are still identifiers) is
//! an identifier; anything else that parses as an SPDX expression (`MIT OR
//! Apache-2.0`, `Apache-2.0+`, `LicenseRef-x`) is an expression; the rest
//! (`public-domain`, `GPL-2+ with OpenSSL exception`) is a name.

/// One declared license, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared<'a> {
    /// An identifier on the SPDX license list (`MIT`).
    Id(&'a str),
    /// A valid SPDX expression that is not a single listed identifier.
    Expression(&'a str),
    /// Anything else, as written.
    Name(&'a str),
}

impl Declared<'_> {
    /// The text.
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Declared::Id(s) | Declared::Expression(s) | Declared::Name(s) => s,
        }
    }
}

/// Classify one value.
#[must_use]
pub fn classify(s: &str) -> Declared<'_> {
    let mode = spdx::ParseMode {
        allow_deprecated: true,
        ..spdx::ParseMode::STRICT
    };
    match spdx::Expression::parse_mode(s, mode) {
        Ok(e) => {
            let mut reqs = e.requirements();
            let single = match (reqs.next(), reqs.next()) {
                (Some(r), None) => {
                    r.req.addition.is_none()
                        && matches!(&r.req.license, spdx::LicenseItem::Spdx { id, or_later: false } if id.name == s)
                }
                _ => false,
            };
            if single {
                Declared::Id(s)
            } else {
                Declared::Expression(s)
            }
        }
        Err(_) => Declared::Name(s),
    }
}

/// The `LicenseRef-` idstring for a name: letters, digits, `.` and `-`
/// only (SPDX 2.3 §10.1).
#[must_use]
pub fn license_ref(name: &str) -> String {
    let mut out = String::from("LicenseRef-");
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') && out.len() > "LicenseRef-".len() {
        out.pop();
    }
    if out.len() == "LicenseRef-".len() {
        out.push_str("unnamed");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify("MIT"), Declared::Id("MIT"));
        assert_eq!(
            classify("GPL-2.0-or-later"),
            Declared::Id("GPL-2.0-or-later")
        );
        assert_eq!(classify("GPL-2.0"), Declared::Id("GPL-2.0"));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            Declared::Expression("MIT OR Apache-2.0")
        );
        assert_eq!(classify("Apache-2.0+"), Declared::Expression("Apache-2.0+"));
        assert_eq!(
            classify("LicenseRef-x"),
            Declared::Expression("LicenseRef-x")
        );
        assert_eq!(
            classify("GPL-2.0-only WITH Classpath-exception-2.0"),
            Declared::Expression("GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(classify("public-domain"), Declared::Name("public-domain"));
        assert_eq!(classify("mit"), Declared::Name("mit"));
        assert_eq!(classify("MIT and BSD"), Declared::Name("MIT and BSD"));
    }

    #[test]
    fn refs() {
        assert_eq!(
            license_ref("GPL-2+ with OpenSSL exception"),
            "LicenseRef-GPL-2-with-OpenSSL-exception"
        );
        assert_eq!(license_ref("public-domain"), "LicenseRef-public-domain");
        assert_eq!(license_ref("™"), "LicenseRef-unnamed");
    }
}
