//! The load graph: every file the program can load, each with the step
//! that first loaded it, so that any file's evidence chain is the path of
//! labels from its root.

use std::collections::HashMap;

/// How a step of a chain is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Label {
    /// A file shown by its path (roots, scripts, extension modules).
    Path,
    /// A shared library shown by the name it was needed as, with its
    /// owning package (`libssl.so.3 (libssl3)`).
    Lib(String),
    /// A module or package name (Python modules, npm packages).
    Name(String),
}

/// One loaded file.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Canonical path (symlinks resolved) of the file; for a namespace
    /// package, its first directory.
    pub path: String,
    /// How the step is shown.
    pub label: Label,
    /// The node that loaded this one (`None` for roots).
    pub parent: Option<usize>,
    /// Steps from the root.
    pub depth: usize,
}

/// Loaded files, by node id, with lookups by path.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    /// Canonical paths and the paths files were opened by → first node.
    pub by_path: HashMap<String, usize>,
}

impl Graph {
    /// The paths of the nodes nothing loaded: the programs run.
    pub fn roots(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.parent.is_none())
            .map(|n| n.path.clone())
            .collect()
    }

    /// Add a node; the first node of a path wins the path lookup.
    pub fn add(&mut self, path: &str, label: Label, parent: Option<usize>) -> usize {
        let depth = parent.map_or(0, |p| self.nodes[p].depth + 1);
        let id = self.nodes.len();
        self.nodes.push(Node {
            path: path.to_string(),
            label,
            parent,
            depth,
        });
        self.by_path.entry(path.to_string()).or_insert(id);
        id
    }

    /// Also find node `id` by `alias` (a symlink it was opened through).
    pub fn alias(&mut self, alias: &str, id: usize) {
        self.by_path.entry(alias.to_string()).or_insert(id);
    }

    /// The node of `path`, if loaded.
    pub fn find(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// The chain of node `id`, root first, with `owner` naming the package
    /// that owns a node's file.
    pub fn chain(&self, id: usize, owner: &dyn Fn(usize) -> Option<String>) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cur = Some(id);
        while let Some(i) = cur {
            ids.push(i);
            cur = self.nodes[i].parent;
            if ids.len() > self.nodes.len() {
                break; // cannot happen (parents precede children); stay safe
            }
        }
        ids.reverse();
        ids.into_iter()
            .map(|i| {
                let n = &self.nodes[i];
                match &n.label {
                    Label::Path => n.path.clone(),
                    Label::Name(s) => s.clone(),
                    Label::Lib(s) => match owner(i) {
                        Some(o) => format!("{s} ({o})"),
                        None => s.clone(),
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_walks_parents_and_names_owners() {
        let mut g = Graph::default();
        let a = g.add("/usr/local/bin/app", Label::Path, None);
        let b = g.add(
            "/usr/lib/libpq.so.5.15",
            Label::Lib("libpq.so.5".into()),
            Some(a),
        );
        let c = g.add(
            "/usr/lib/libssl.so.3",
            Label::Lib("libssl.so.3".into()),
            Some(b),
        );
        g.alias("/usr/lib/libpq.so.5", b);
        assert_eq!(g.find("/usr/lib/libpq.so.5"), Some(b));
        assert_eq!(g.nodes[c].depth, 2);
        let owner = |i: usize| (i == c).then(|| "libssl3".to_string());
        assert_eq!(
            g.chain(c, &owner),
            ["/usr/local/bin/app", "libpq.so.5", "libssl.so.3 (libssl3)"]
        );
    }
}
