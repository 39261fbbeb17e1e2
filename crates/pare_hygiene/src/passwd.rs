//! `/etc/passwd` lookups, to turn the config's `User` into a uid.

use pare_fsindex::FsIndex;

/// How the image's default user resolves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedUser {
    /// As written in the config (`""` when unset).
    pub configured: String,
    /// Numeric uid, when known.
    pub uid: Option<u64>,
    /// User name, when known.
    pub name: Option<String>,
    /// True when the container runs as uid 0.
    pub is_root: bool,
    /// Why the answer is uncertain, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Resolve the config's `User` (`""`, `name`, `uid`, `name:group`,
/// `uid:gid`) against the image's `/etc/passwd`. An unset user is root.
#[must_use]
pub fn resolve_user(idx: &FsIndex, configured: Option<&str>) -> ResolvedUser {
    let configured = configured.unwrap_or("").trim().to_string();
    let user = configured.split(':').next().unwrap_or("").to_string();
    let passwd = idx
        .resolve("/etc/passwd")
        .ok()
        .and_then(|p| idx.contents(&p))
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let lookup = |pred: &dyn Fn(&str, u64) -> bool| {
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            let uid = f.get(2)?.parse::<u64>().ok()?;
            pred(f[0], uid).then(|| (f[0].to_string(), uid))
        })
    };
    if user.is_empty() {
        return ResolvedUser {
            configured,
            uid: Some(0),
            name: Some("root".into()),
            is_root: true,
            note: None,
        };
    }
    if let Ok(uid) = user.parse::<u64>() {
        let name = lookup(&|_, u| u == uid).map(|(n, _)| n);
        return ResolvedUser {
            configured,
            uid: Some(uid),
            name,
            is_root: uid == 0,
            note: None,
        };
    }
    match lookup(&|n, _| n == user) {
        Some((name, uid)) => ResolvedUser {
            configured,
            uid: Some(uid),
            name: Some(name),
            is_root: uid == 0,
            note: None,
        },
        None => ResolvedUser {
            is_root: user == "root",
            uid: (user == "root").then_some(0),
            name: Some(user.clone()),
            note: Some(format!(
                "user `{user}` is not in /etc/passwd: the container will fail to start"
            )),
            configured,
        },
    }
}
