//! Path helpers over absolute image paths.

/// The directory part of an absolute path (`/a/b` → `/a`, `/a` → `/`).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `dir/name` (absolute `name` wins), without doubled slashes; `..` and
/// `.` are left for [`super::ldso::normalize`] or the index's resolver.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The last component of a path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/a", "x"), "/a/x");
        assert_eq!(join("/a", "/x"), "/x");
        assert_eq!(file_name("/a/b.so"), "b.so");
    }
}
