//! Who the container runs as: the config's `User` (`name`, `uid`,
//! `name:group`, `uid:gid`) against the image's `/etc/passwd` and
//! `/etc/group`, as runc resolves it.

use pare_fsindex::FsIndex;
use serde::Serialize;

/// The container's user as the runtime resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunUser {
    /// As configured (`""` when unset: root).
    pub configured: String,
    /// uid, when known.
    pub uid: Option<u64>,
    /// Primary gid, when known.
    pub gid: Option<u64>,
    /// Supplementary gids (from `/etc/group` membership).
    pub groups: Vec<u64>,
    /// Home directory from `/etc/passwd`.
    pub home: Option<String>,
    /// Why the runtime cannot resolve it (user or group name missing).
    pub errors: Vec<String>,
    /// A numeric uid without a passwd entry (allowed, but `HOME` is `/`).
    pub unnamed: bool,
}

fn read(idx: &FsIndex, path: &str) -> Option<String> {
    let canon = idx.resolve(path).ok()?;
    idx.contents(&canon)
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// Resolve the config's `User` against the image's user database.
#[must_use]
pub fn resolve(idx: &FsIndex, configured: Option<&str>) -> RunUser {
    let passwd = read(idx, "/etc/passwd");
    let groups_db = read(idx, "/etc/group");
    resolve_in(passwd.as_deref(), groups_db.as_deref(), configured)
}

/// [`resolve`] over the text of `/etc/passwd` and `/etc/group` (`None`
/// when the image has no such file). Never panics.
#[must_use]
pub fn resolve_in(
    passwd: Option<&str>,
    groups_db: Option<&str>,
    configured: Option<&str>,
) -> RunUser {
    let configured = configured.unwrap_or("").trim().to_string();
    let (user, group) = match configured.split_once(':') {
        Some((u, g)) => (u.to_string(), Some(g.to_string())),
        None => (configured.clone(), None),
    };
    let pw: Vec<Vec<&str>> = passwd
        .unwrap_or("")
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() >= 4)
        .collect();
    let gr: Vec<Vec<&str>> = groups_db
        .unwrap_or("")
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() >= 3)
        .collect();
    let mut out = RunUser {
        configured: configured.clone(),
        uid: None,
        gid: None,
        groups: Vec::new(),
        home: None,
        errors: Vec::new(),
        unnamed: false,
    };
    let user = if user.is_empty() {
        "0".to_string()
    } else {
        user
    };
    let entry = if let Ok(uid) = user.parse::<u64>() {
        out.uid = Some(uid);
        let e = pw.iter().find(|f| f[2].parse::<u64>().ok() == Some(uid));
        if e.is_none() && uid != 0 {
            out.unnamed = true;
        }
        e
    } else {
        let e = pw.iter().find(|f| f[0] == user);
        match e {
            Some(f) => out.uid = f[2].parse().ok(),
            None => out.errors.push(if passwd.is_none() {
                format!("user `{user}` cannot be looked up: the image has no `/etc/passwd`")
            } else {
                format!("user `{user}` is not in `/etc/passwd`")
            }),
        }
        e
    };
    if let Some(f) = entry {
        out.gid = f[3].parse().ok();
        out.home = f.get(5).map(|h| (*h).to_string());
        let name = f[0];
        out.groups = gr
            .iter()
            .filter(|g| g.get(3).is_some_and(|m| m.split(',').any(|m| m == name)))
            .filter_map(|g| g[2].parse().ok())
            .collect();
    } else if out.uid == Some(0) {
        out.gid = Some(0);
    }
    if let Some(g) = group.filter(|g| !g.is_empty()) {
        if let Ok(gid) = g.parse::<u64>() {
            out.gid = Some(gid);
        } else {
            match gr.iter().find(|f| f[0] == g) {
                Some(f) => out.gid = f[2].parse().ok(),
                None => out
                    .errors
                    .push(format!("group `{g}` is not in `/etc/group`")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str =
        "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";
    const GR: &str = "root:x:0:\nnonroot:x:65532:\nstaff:x:50:nonroot\n";

    #[test]
    fn names_numbers_and_groups() {
        let u = resolve_in(Some(PW), Some(GR), Some("nonroot"));
        assert_eq!(
            (u.uid, u.gid, u.groups.clone()),
            (Some(65532), Some(65532), vec![50])
        );
        assert_eq!(u.home.as_deref(), Some("/home/nonroot"));
        assert!(u.errors.is_empty() && !u.unnamed);
        let u = resolve_in(Some(PW), Some(GR), Some("app"));
        assert_eq!(u.errors, ["user `app` is not in `/etc/passwd`"]);
        let u = resolve_in(Some(PW), Some(GR), Some("1000:staff"));
        assert_eq!((u.uid, u.gid, u.unnamed), (Some(1000), Some(50), true));
        let u = resolve_in(Some(PW), Some(GR), Some("nonroot:wheel"));
        assert_eq!(u.errors, ["group `wheel` is not in `/etc/group`"]);
        let u = resolve_in(None, None, Some("app"));
        assert!(u.errors[0].contains("no `/etc/passwd`"));
        let u = resolve_in(None, None, None);
        assert_eq!((u.uid, u.gid), (Some(0), Some(0)));
    }
}
