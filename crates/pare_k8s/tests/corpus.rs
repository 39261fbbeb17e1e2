//! The real-world corpus (`shared/corpus/k8s` beside the repo, or `$PARE_CORPUS/k8s`):
//! every file lints without a panic, the unparseable ones match the
//! checked-in list, and fixing converges, removes what it fixed and keeps
//! every other value of every document.

use pare_findings::{apply_edits, LintOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

fn corpus() -> PathBuf {
    // `$PARE_CORPUS`, else `shared/` beside the repository (where CI puts
    // it), else the developer machines' `/work/shared`.
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let root = std::env::var_os("PARE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if beside.is_dir() {
                beside
            } else {
                PathBuf::from("/work/shared/corpus")
            }
        });
    let dir = root.join("k8s");
    assert!(
        dir.is_dir(),
        "corpus not found at `{}`: set PARE_CORPUS to the folder holding `k8s/` (see shared/corpus/PROVENANCE.md)",
        dir.display()
    );
    dir
}

fn files() -> Vec<(String, String)> {
    let dir = corpus();
    let mut out = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&p).unwrap();
                out.push((rel, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    out.sort();
    assert!(
        out.len() > 1000,
        "corpus looks incomplete: {} files",
        out.len()
    );
    out
}

fn all_rules() -> LintOptions {
    LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    }
}

/// Compare `actual` with the checked-in list `name` (rewritten when
/// `PARE_UPDATE_EXPECT` is set).
fn check_list(name: &str, actual: &str) {
    let list = format!("{}/resources/test/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("PARE_UPDATE_EXPECT").is_some() {
        std::fs::write(&list, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&list).unwrap();
    assert_eq!(
        actual, expected,
        "`{name}` changed (rerun with PARE_UPDATE_EXPECT=1 if intended)"
    );
}

/// `pare lint` reports these files as unparseable (it does not parse
/// documents whose `kind:` never runs pods), and a full parse of every
/// document rejects exactly the files PyYAML also rejects, minus the ones
/// with tabs as trailing whitespace, which YAML 1.2 allows.
#[test]
fn corpus_lints_and_unparseable_files_match_the_lists() {
    let mut errors = String::new();
    let mut full = String::new();
    let mut diagnostics = 0;
    for (path, src) in files() {
        match pare_k8s::lint(&path, &src, &all_rules()) {
            Ok(out) => diagnostics += out.diagnostics.len(),
            Err(e) => errors.push_str(&format!("{e}\n")),
        }
        if let Err(e) = pare_k8s::parse_lenient(&src) {
            full.push_str(&format!("{path}: {}\n", e.message));
        }
    }
    assert!(
        diagnostics > 10_000,
        "suspiciously few diagnostics: {diagnostics}"
    );
    check_list("corpus_unparseable.txt", &errors);
    check_list("corpus_unparseable_full.txt", &full);
}

/// Keys a fix may add, and scalars it may change.
const ADDED: &[&str] = &[
    "securityContext",
    "runAsNonRoot",
    "runAsUser",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "capabilities",
    "drop",
    "seccompProfile",
    "type",
    "automountServiceAccountToken",
    "volumes",
    "volumeMounts",
];

fn is_added_item(key: &str, item: &Yaml) -> bool {
    match key {
        "drop" => item.as_str() == Some("ALL"),
        "volumes" | "volumeMounts" => matches!(item["name"].as_str(), Some("tmp" | "pare-tmp")),
        _ => false,
    }
}

/// `fixed` with everything a fix may add removed, and changed fix-owned
/// scalars reset to `orig`'s.
fn normalize(fixed: &Yaml, orig: &Yaml, key: &str) -> Yaml {
    match (fixed, orig) {
        (Yaml::Hash(f), Yaml::Hash(o)) => {
            let mut out = yaml_rust2::yaml::Hash::new();
            for (k, fv) in f {
                let ks = k.as_str().unwrap_or_default();
                match o.get(k) {
                    Some(ov) => {
                        out.insert(k.clone(), normalize(fv, ov, ks));
                    }
                    None if ADDED.contains(&ks) => {}
                    None => {
                        out.insert(k.clone(), fv.clone());
                    }
                }
            }
            Yaml::Hash(out)
        }
        (Yaml::Array(f), Yaml::Array(o)) => {
            let kept: Vec<&Yaml> = if f.len() > o.len() {
                let mut extra = f.len() - o.len();
                f.iter()
                    .filter(|i| {
                        if extra > 0 && is_added_item(key, i) && !o.contains(i) {
                            extra -= 1;
                            false
                        } else {
                            true
                        }
                    })
                    .collect()
            } else {
                f.iter().collect()
            };
            if kept.len() != o.len() {
                return Yaml::Array(kept.into_iter().cloned().collect());
            }
            Yaml::Array(
                kept.iter()
                    .zip(o)
                    .map(|(fi, oi)| normalize(fi, oi, key))
                    .collect(),
            )
        }
        (f, o) if f != o && ADDED.contains(&key) => o.clone(),
        (f, _) => f.clone(),
    }
}

#[test]
fn fixes_converge_remove_findings_and_keep_everything_else() {
    let opts = all_rules();
    let mut fixed_files = 0;
    let mut problems = Vec::new();
    for (path, src) in files() {
        let Ok(first) = pare_k8s::lint(&path, &src, &opts) else {
            continue;
        };
        let mut before: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for d in &first.diagnostics {
            let e = before.entry(d.code).or_default();
            e.0 += 1;
            e.1 += usize::from(d.fix.is_some());
        }
        let mut text = src.clone();
        let mut rounds = 0;
        let last = loop {
            let out = match pare_k8s::lint(&path, &text, &opts) {
                Ok(o) => o,
                Err(e) => {
                    problems.push(format!("{path}: fixed text no longer parses: {e}"));
                    break None;
                }
            };
            let fixes: Vec<_> = out
                .diagnostics
                .iter()
                .filter_map(|d| d.fix.as_ref())
                .collect();
            if fixes.is_empty() {
                break Some(out);
            }
            rounds += 1;
            if rounds > 3 {
                problems.push(format!("{path}: fixes do not converge in 3 rounds"));
                break None;
            }
            text = apply_edits(&text, &fixes).text;
        };
        let Some(last) = last else { continue };
        if rounds == 0 {
            continue;
        }
        fixed_files += 1;
        // Every diagnostic that had a fix is gone (a deduplicated pod-level
        // fix also repairs its siblings, hence `<=`).
        for (code, (n, with_fix)) in &before {
            let after = last.diagnostics.iter().filter(|d| d.code == *code).count();
            if after > n - with_fix {
                problems.push(format!(
                    "{path}: {code}: {after} left after fixing, {n} before, {with_fix} with fixes"
                ));
            }
        }
        // The fixed YAML still holds the same objects, apart from added fields.
        if let Ok(orig) = YamlLoader::load_from_str(&src) {
            match YamlLoader::load_from_str(&text) {
                Err(e) => problems.push(format!("{path}: yaml-rust2 rejects the fixed text: {e}")),
                Ok(fixed) if fixed.len() != orig.len() => {
                    problems.push(format!("{path}: document count changed"));
                }
                Ok(fixed) => {
                    for (i, (f, o)) in fixed.iter().zip(&orig).enumerate() {
                        if &normalize(f, o, "") != o {
                            problems.push(format!(
                                "{path}: document {i} changed beyond the added fields"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        fixed_files > 1000,
        "fixes applied to only {fixed_files} files"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Hostile input: truncated and byte-mutated corpus files never panic, and
/// fixes applied to whatever still parses leave text that parses.
#[test]
fn mutated_corpus_files_never_panic() {
    let opts = all_rules();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut linted = 0;
    for (path, src) in files().into_iter().step_by(7) {
        let bytes = src.as_bytes();
        for _ in 0..4 {
            let mut m = bytes.to_vec();
            if m.is_empty() {
                break;
            }
            let cut = usize::try_from(next()).unwrap_or(0) % m.len();
            match next() % 3 {
                0 => m.truncate(cut),
                1 => m[cut] = b"{}[]:-#'\"&*!|>\t\n "[usize::try_from(next() % 17).unwrap_or(0)],
                _ => m.insert(cut, b'\n'),
            }
            let text = String::from_utf8_lossy(&m);
            if let Ok(out) = pare_k8s::lint(&path, &text, &opts) {
                linted += 1;
                let fixes: Vec<_> = out
                    .diagnostics
                    .iter()
                    .filter_map(|d| d.fix.as_ref())
                    .collect();
                let fixed = apply_edits(&text, &fixes);
                assert!(
                    pare_k8s::lint(&path, &fixed.text, &opts).is_ok(),
                    "{path}: fixes broke a mutated file"
                );
            }
        }
    }
    assert!(linted > 200, "only {linted} mutated files parsed");
}
