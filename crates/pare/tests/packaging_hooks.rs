//! Packaging, part 3: the pre-commit hooks (`.pre-commit-hooks.yaml`). The
//! real `pre-commit` (PyPI, in the peers venv that `.ci/run` installs) runs
//! them with `try-repo` on a scratch git repository.

mod support;
use support::packaging::*;
use support::*;

use std::path::Path;
use std::process::{Command, Output};

/// A committer identity for scratch repositories (no signing).
const GIT_ID: &[&str] = &[
    "-c",
    "user.name=pare",
    "-c",
    "user.email=pare@invalid",
    "-c",
    "commit.gpgsign=false",
];

/// A git repository in `dir` holding `files`, committed.
fn git_repo(dir: &Path, files: &[(&str, &[u8])]) {
    let git = tool("git", "apt-get install git");
    std::fs::create_dir_all(dir).unwrap();
    for (name, body) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
    }
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[GIT_ID, &["commit", "-q", "-m", "init"]].concat(),
    ] {
        let o = Command::new(&git)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    }
}

/// `pre-commit try-repo HOOKS HOOK --all-files` in `project`, with the built pare on PATH.
fn try_repo(hooks: &Path, project: &Path, hook: &str, home: &Path) -> Output {
    let pc = peers().join("pre-commit");
    assert!(
        pc.is_file(),
        "{} missing: `bash .ci/run` installs it (or {}/pip install pre-commit)",
        pc.display(),
        peers().display()
    );
    let path = format!(
        "{}:{}",
        pare_bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(pc)
        .args([
            "try-repo",
            &path_str(hooks),
            hook,
            "--all-files",
            "--verbose",
        ])
        .current_dir(project)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PRE_COMMIT_COLOR", "never")
        .output()
        .expect("run pre-commit")
}

/// The hook repository: this repository's `.pre-commit-hooks.yaml` and the script it names,
/// committed in a scratch repository (try-repo reads committed files only).
fn hook_repo(dir: &Path) {
    let hooks = std::fs::read(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let script = std::fs::read(repo().join("scripts/pre-commit/pare-hook.sh")).unwrap();
    git_repo(
        dir,
        &[
            (".pre-commit-hooks.yaml", &hooks),
            ("scripts/pre-commit/pare-hook.sh", &script),
        ],
    );
    let o = Command::new("chmod")
        .arg("+x")
        .arg(dir.join("scripts/pre-commit/pare-hook.sh"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let git = tool("git", "apt-get install git");
    let o = Command::new(git)
        .args(GIT_ID)
        .args(["commit", "-qam", "exec bit"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

const BAD_DOCKERFILE: &[u8] = b"FROM debian\nRUN apt-get install -y curl\n";
const POD: &[u8] = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n";

#[test]
fn pre_commit_hooks_lint_and_fix_only_dockerfiles_and_manifests() {
    let t = tmp();
    let hooks = t.path().join("hooks");
    hook_repo(&hooks);
    let home = t.path().join("home");
    let project = t.path().join("project");
    let names = [
        "Dockerfile",
        "Containerfile",
        "docker/Dockerfile.prod",
        "build/app.dockerfile",
        "build/Worker.Containerfile",
    ];
    let mut files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, BAD_DOCKERFILE)).collect();
    files.extend([
        ("k8s/pod.yaml", POD),
        ("k8s/pod2.yml", POD),
        // not pare's: a workflow, a compose file, the pre-commit config itself, a
        // BuildKit ignore file, prose that starts like a Dockerfile
        (
            ".github/workflows/ci.yml",
            b"name: ci\non: push\njobs: {}\n".as_slice(),
        ),
        ("compose.yaml", b"services:\n  web:\n    image: nginx\n"),
        (".pre-commit-config.yaml", b"repos: []\n"),
        ("Dockerfile.dockerignore", b"target\n"),
        ("NOTES.md", b"FROM here on\n"),
    ]);
    git_repo(&project, &files);

    let o = try_repo(&hooks, &project, "pare-lint", &home);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("pare lint") && out.contains("Failed"), "{out}");
    for n in names {
        assert!(
            out.contains(&format!("{n}:2:5: DF011")),
            "{n} not linted:\n{out}"
        );
    }
    for n in ["k8s/pod.yaml", "k8s/pod2.yml"] {
        assert!(
            out.contains(&format!("{n}:8:12: K8S013")),
            "{n} not linted:\n{out}"
        );
    }
    for n in [
        "ci.yml",
        "compose.yaml",
        ".pre-commit-config.yaml",
        "dockerignore",
        "NOTES.md",
        "error:",
    ] {
        assert!(!out.contains(n), "`{n}` should not reach pare:\n{out}");
    }

    // pare-fix rewrites the files (safe fixes only) and fails, as pre-commit hooks that
    // change files do; afterwards pare-fix has nothing left to change but findings remain
    let o = try_repo(&hooks, &project, "pare-fix", &home);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("files were modified by this hook"), "{out}");
    for n in names {
        let text = std::fs::read_to_string(project.join(n)).unwrap();
        assert!(
            text.contains("apt-get install --no-install-recommends -y curl"),
            "{n}: {text}"
        );
    }
    let untouched = std::fs::read(project.join("compose.yaml")).unwrap();
    assert_eq!(untouched, b"services:\n  web:\n    image: nginx\n");

    // a repository with nothing of pare's passes (the hook is skipped or finds nothing)
    let clean = t.path().join("clean");
    git_repo(
        &clean,
        &[("compose.yaml", b"services: {}\n"), ("README.md", b"hi\n")],
    );
    let o = try_repo(&hooks, &clean, "pare-lint", &home);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn pre_commit_hook_without_pare_on_path_says_how_to_get_it() {
    let sh = tool("sh", "apt-get install dash");
    let t = tmp();
    std::fs::write(t.path().join("Dockerfile"), BAD_DOCKERFILE).unwrap();
    let o = Command::new(sh)
        .arg(repo().join("scripts/pre-commit/pare-hook.sh"))
        .args(["lint", "Dockerfile"])
        .current_dir(t.path())
        .env("PATH", "/usr/bin:/bin")
        .env("PARE", "pare-not-installed")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`pare-not-installed` not found on PATH"),
        "{}",
        stderr(&o)
    );
}
