//! The rules, one per file, in a plain static registry.

use crate::model::{Container, Workload};
use crate::yaml::Node;
use crate::Checker;
use pare_findings::RuleMeta;

mod capabilities_not_dropped;
mod dangerous_capability_added;
mod host_ipc;
mod host_network;
mod host_path_volume;
mod host_pid;
mod image_not_pinned_by_digest;
mod image_tag_latest;
mod privilege_escalation_allowed;
mod privileged_container;
mod run_as_low_uid;
mod run_as_root_allowed;
mod seccomp_profile_missing;
mod service_account_token_automounted;
mod writable_root_filesystem;

/// A rule's check over one workload.
/// Report `field: true` on the pod spec (the `host*` namespace rules).
fn pod_flag_true<'a>(
    ctx: &mut Checker<'a>,
    meta: &'static RuleMeta,
    w: &Workload<'a>,
    field: &str,
    message: &str,
) {
    if let Some(n) = w.pod.get(field).filter(|n| n.as_bool() == Some(true)) {
        ctx.report(meta, n.span, message.to_string(), None);
    }
}

pub(crate) type CheckFn = for<'a> fn(&mut Checker<'a>, &'static RuleMeta, &Workload<'a>);

pare_findings::declare_rules! {
    /// Every rule, in code order.
    pub RULES, CHECKS: CheckFn = [
        run_as_root_allowed,
        run_as_low_uid,
        writable_root_filesystem,
        privilege_escalation_allowed,
        capabilities_not_dropped,
        dangerous_capability_added,
        privileged_container,
        host_pid,
        host_ipc,
        host_network,
        host_path_volume,
        image_not_pinned_by_digest,
        image_tag_latest,
        seccomp_profile_missing,
        service_account_token_automounted,
    ]
}

/// A capability name as the kernel knows it: upper case, no `CAP_`.
pub(crate) fn cap_name(s: &str) -> String {
    let up = s.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map_or(up.clone(), str::to_string)
}

/// The items of `securityContext.capabilities.<which>` of a container.
pub(crate) fn capabilities<'a>(c: &Container<'a>, which: &str) -> &'a [Node] {
    c.node
        .get_set("securityContext")
        .and_then(|sc| sc.get_set("capabilities"))
        .and_then(|caps| caps.get_set(which))
        .and_then(Node::items)
        .unwrap_or_default()
}

/// A container's `securityContext.<field>`, when set.
pub(crate) fn container_field<'a>(c: &Container<'a>, field: &str) -> Option<&'a Node> {
    c.node
        .get_set("securityContext")
        .and_then(|sc| sc.get_set(field))
}

/// `"container `x`"` or `"init container `x`"`, for messages.
pub(crate) fn describe(c: &Container<'_>) -> String {
    let what = match c.list {
        "initContainers" => "init container",
        "ephemeralContainers" => "ephemeral container",
        _ => "container",
    };
    format!("{what} `{}`", c.name)
}

/// The image reference of a container, unless it is a template placeholder.
pub(crate) fn image<'a>(c: &Container<'a>) -> Option<(&'a str, pare_findings::Span)> {
    let node = c.node.get("image")?;
    let s = node.as_str()?.trim();
    (!s.is_empty() && !s.contains('$') && !s.contains("{{")).then_some((s, node.span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pare_findings::{apply_edits, Applicability, LintOptions};
    use std::fmt::Write as _;

    #[test]
    fn codes_and_names_are_unique_and_ordered() {
        assert_eq!(RULES.len(), CHECKS.len());
        let mut codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        let sorted = {
            let mut s = codes.clone();
            s.sort_unstable();
            s
        };
        assert_eq!(codes, sorted, "RULES must be in code order");
        codes.dedup();
        assert_eq!(codes.len(), RULES.len(), "duplicate code");
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len(), "duplicate name");
        for r in RULES {
            assert!(
                r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.name
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "Use instead:",
                "## Fix safety",
                "## References",
            ] {
                assert!(r.doc.contains(section), "{} lacks `{section}`", r.code);
            }
        }
        let list: String = RULES
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} [{}] {:?}\n",
                    r.code,
                    r.name,
                    r.severity,
                    r.peers.join(", "),
                    r.fix
                )
            })
            .collect();
        insta::assert_snapshot!("rule_list", list);
    }

    /// Lint the rule's fixture with only that rule, then show the
    /// diagnostics and the text after applying every fix.
    fn fixture(code: &str) -> String {
        let path = format!(
            "{}/resources/test/fixtures/{code}.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"));
        let opts = LintOptions {
            select: vec![code.to_string()],
            peer_suppressions: true,
            ..LintOptions::default()
        };
        let out = crate::lint(&format!("{code}.yaml"), &src, &opts).expect("fixture parses");
        assert!(
            !out.diagnostics.is_empty(),
            "{code} fixture must trigger the rule"
        );
        let mut text = String::new();
        for d in &out.diagnostics {
            assert_eq!(d.code, code);
            writeln!(
                text,
                "{}:{}: {} {}",
                d.start.line, d.start.col, d.code, d.message
            )
            .unwrap();
            if let Some(f) = &d.fix {
                let kind = if f.applicability == Applicability::Safe {
                    "safe"
                } else {
                    "unsafe"
                };
                writeln!(text, "  fix ({kind}): {}", f.title).unwrap();
            }
        }
        for s in &out.suppressed {
            writeln!(
                text,
                "suppressed {}:{}: {} by {} ({:?})",
                s.diagnostic.start.line,
                s.diagnostic.start.col,
                s.diagnostic.code,
                s.source,
                s.reason
            )
            .unwrap();
        }
        // Apply every fix until nothing changes (at most 3 rounds).
        let mut current = src.clone();
        let mut rounds = 0;
        loop {
            let out = crate::lint("fixed.yaml", &current, &opts).expect("fixed text parses");
            let fixes: Vec<_> = out
                .diagnostics
                .iter()
                .filter_map(|d| d.fix.as_ref())
                .collect();
            if fixes.is_empty() {
                break;
            }
            rounds += 1;
            assert!(rounds <= 3, "{code}: fixes do not converge in 3 rounds");
            current = apply_edits(&current, &fixes).text;
        }
        writeln!(text, "----- fixed in {rounds} round(s) -----\n{current}").unwrap();
        text
    }

    macro_rules! fixture_tests {
        ($($name:ident => $code:literal),* $(,)?) => {$(
            #[test]
            fn $name() {
                insta::assert_snapshot!($code, fixture($code));
            }
        )*};
    }

    fixture_tests! {
        k8s001 => "K8S001", k8s002 => "K8S002", k8s003 => "K8S003", k8s004 => "K8S004",
        k8s005 => "K8S005", k8s006 => "K8S006", k8s007 => "K8S007", k8s008 => "K8S008",
        k8s009 => "K8S009", k8s010 => "K8S010", k8s011 => "K8S011", k8s012 => "K8S012",
        k8s013 => "K8S013", k8s014 => "K8S014", k8s015 => "K8S015",
    }
}
