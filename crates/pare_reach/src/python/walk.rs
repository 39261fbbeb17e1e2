//! Resolving module names to files along `sys.path`, parents first, and
//! queueing the imports of each source module found.

use super::super::graph::Label;
use super::super::paths::join;
use super::super::{lookup, Cx};
use super::Resolved;
use pare_fsindex::Kind;
use std::collections::HashMap;

/// The absolute name of `name` imported from module `from` (`(name,
/// is_package)`); `None` for a relative import beyond the top.
pub(super) fn absolute(name: &str, from: Option<&(String, bool)>) -> Option<String> {
    let dots = name.chars().take_while(|c| *c == '.').count();
    if dots == 0 {
        return Some(name.to_string());
    }
    let (m, is_pkg) = from?;
    let mut base: Vec<&str> = m.split('.').collect();
    if !is_pkg {
        base.pop();
    }
    for _ in 1..dots {
        base.pop()?;
    }
    let rest = &name[dots..];
    if base.is_empty() {
        return (!rest.is_empty()).then(|| rest.to_string());
    }
    Some(if rest.is_empty() {
        base.join(".")
    } else {
        format!("{}.{rest}", base.join("."))
    })
}

pub(super) struct Walk {
    pub(super) sys_path: Vec<String>,
    pub(super) tag: String,
    pub(super) modules: HashMap<String, Resolved>,
    pub(super) exe: usize,
}

/// A module to import: its name, the node importing it and the importer's
/// name and whether it is a package (for relative imports).
pub(super) type Import = (String, usize, Option<(String, bool)>);
pub(super) type Queued = Vec<Import>;

impl Walk {
    /// Import `name` (and its parents) from node `from`; returns the
    /// imports of newly loaded source modules, to queue.
    pub(super) fn import(&mut self, cx: &mut Cx<'_>, name: &str, from: usize) -> Vec<Queued> {
        let mut out = Vec::new();
        let parts: Vec<&str> = name.split('.').collect();
        for n in 1..=parts.len() {
            let full = parts[..n].join(".");
            if let Some(r) = self.modules.get(&full) {
                match r {
                    Resolved::Missing => return out,
                    Resolved::Found { .. } => continue,
                }
            }
            let dirs: Vec<String> = if n == 1 {
                self.sys_path.clone()
            } else {
                match self.modules.get(&parts[..n - 1].join(".")) {
                    Some(Resolved::Found { dirs, .. }) => dirs.clone(),
                    _ => Vec::new(),
                }
            };
            let r = self.find(cx, parts[n - 1], &full, &dirs, from, &mut out);
            let missing = matches!(r, Resolved::Missing);
            self.modules.insert(full, r);
            if missing {
                return out;
            }
        }
        out
    }

    /// Find module `short` (full name `full`) in `dirs`, add its node.
    fn find(
        &mut self,
        cx: &mut Cx<'_>,
        short: &str,
        full: &str,
        dirs: &[String],
        from: usize,
        out: &mut Vec<Queued>,
    ) -> Resolved {
        let mut portions = Vec::new();
        for d in dirs {
            let pkg = join(d, short);
            let pkg_dir = lookup(cx.idx, &pkg)
                .filter(|(_, e)| e.kind == Kind::Dir)
                .map(|(c, _)| c);
            if let Some(pc) = &pkg_dir {
                if let Some((canon, e)) = lookup(cx.idx, &join(pc, "__init__.py")) {
                    if e.is_file() {
                        let node = cx
                            .graph
                            .add(&canon, Label::Name(full.to_string()), Some(from));
                        out.push(self.queue_imports(cx, &canon, node, full, true));
                        return Resolved::Found {
                            dirs: vec![pc.clone()],
                        };
                    }
                }
            }
            if let Some((canon, e)) = lookup(cx.idx, &format!("{pkg}.py")) {
                if e.is_file() {
                    let node = cx
                        .graph
                        .add(&canon, Label::Name(full.to_string()), Some(from));
                    out.push(self.queue_imports(cx, &canon, node, full, false));
                    return Resolved::Found { dirs: Vec::new() };
                }
            }
            for ext in [
                format!("{pkg}.{}-{}.so", self.tag, multiarch_of(cx, self.exe)),
                format!("{pkg}.{}.so", self.tag),
                format!("{pkg}.abi3.so"),
                format!("{pkg}.so"),
            ] {
                if let Some((canon, e)) = lookup(cx.idx, &ext) {
                    if e.is_file() {
                        let node = cx.graph.add(&canon, Label::Path, Some(from));
                        cx.graph.alias(&ext, node);
                        cx.load_extension(node, &canon, self.exe);
                        return Resolved::Found { dirs: Vec::new() };
                    }
                }
            }
            if let Some(pc) = pkg_dir {
                portions.push(pc);
            }
        }
        if portions.is_empty() {
            return Resolved::Missing;
        }
        // A namespace package: shown by name, owned by nobody.
        cx.graph
            .add(&portions[0], Label::Name(full.to_string()), Some(from));
        Resolved::Found { dirs: portions }
    }

    fn queue_imports(
        &self,
        cx: &Cx<'_>,
        canon: &str,
        node: usize,
        full: &str,
        is_pkg: bool,
    ) -> Queued {
        cx.script_imports(canon)
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m, node, Some((full.to_string(), is_pkg))))
            .collect()
    }
}

fn multiarch_of(cx: &Cx<'_>, exe: usize) -> &'static str {
    cx.elf_of(&cx.graph.nodes[exe].path)
        .and_then(pare_elf::ElfInfo::multiarch)
        .unwrap_or("x86_64-linux-gnu")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names() {
        let m = ("pkg.sub.mod".to_string(), false);
        assert_eq!(absolute(".x", Some(&m)).as_deref(), Some("pkg.sub.x"));
        assert_eq!(absolute("..y", Some(&m)).as_deref(), Some("pkg.y"));
        let p = ("pkg".to_string(), true);
        assert_eq!(absolute(".x", Some(&p)).as_deref(), Some("pkg.x"));
        assert_eq!(absolute("...x", Some(&p)), None);
        assert_eq!(absolute("a.b", None).as_deref(), Some("a.b"));
    }
}
