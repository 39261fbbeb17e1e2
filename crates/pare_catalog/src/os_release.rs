//! `/etc/os-release` (falling back to `/usr/lib/os-release`, as systemd
//! specifies), parsed into a [`Distro`].

use pare_findings::Distro;
use pare_fsindex::FsIndex;

/// The files read, as capture globs.
pub const GLOBS: &[&str] = &["etc/os-release", "usr/lib/os-release"];

/// Parse os-release text: `KEY=value` lines, values optionally quoted with
/// `"` or `'`, backslash escapes inside double quotes.
#[must_use]
pub fn parse(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        match k.trim() {
            "ID" => d.id = v,
            "VERSION_ID" => d.version_id = Some(v),
            "VERSION_CODENAME" => d.codename = Some(v),
            "PRETTY_NAME" => d.pretty_name = Some(v),
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        let mut out = String::new();
        let mut chars = v[1..v.len() - 1].chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        out
    } else if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

/// The image's distro, reading through symlinks (`/etc/os-release` is
/// usually a link to `../usr/lib/os-release`).
#[must_use]
pub fn detect(idx: &FsIndex) -> Option<Distro> {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| {
            let resolved = idx.resolve(p).ok()?;
            let bytes = idx.contents(&resolved)?;
            parse(&String::from_utf8_lossy(bytes))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian() {
        let d = parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n").unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert!(parse("NAME=x\n").is_none());
    }
}
