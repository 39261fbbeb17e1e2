//! Tests of `nginx`: the parser, the compiled-in defaults, and what the
//! closure reads and writes for nginx over small root filesystems.

use super::*;

#[test]
fn directives_at_every_depth_with_quotes_comments_and_escapes() {
    let d = directives(
        "user www-data;\npid /run/nginx.pid; # the pid\nhttp {\n  access_log \"/var/log/a b.log\" main;\n  server { listen 80; root '/srv/x\\'y'; }\n}\n",
    );
    let words: Vec<Vec<&str>> = d
        .iter()
        .map(|w| w.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        words,
        vec![
            vec!["user", "www-data"],
            vec!["pid", "/run/nginx.pid"],
            vec!["http"],
            vec!["access_log", "/var/log/a b.log", "main"],
            vec!["server"],
            vec!["listen", "80"],
            vec!["root", "/srv/x'y"],
        ]
    );
}

#[test]
fn an_unterminated_quote_keeps_what_came_before() {
    let d = directives("pid /run/x.pid;\nerror_log \"/var/log/never");
    assert_eq!(d, vec![vec!["pid".to_string(), "/run/x.pid".to_string()]]);
}

#[test]
fn compiled_in_defaults_are_read_from_the_binary_bytes() {
    let bin = b"\x7fELF\0junk\0 --prefix=/usr/share/nginx --pid-path=/run/nginx.pid --http-client-body-temp-path=/var/lib/nginx/body --error-log-path=stderr\0more";
    assert_eq!(
        compiled(bin, "--pid-path=").as_deref(),
        Some("/run/nginx.pid")
    );
    assert_eq!(
        compiled(bin, "--http-client-body-temp-path=").as_deref(),
        Some("/var/lib/nginx/body")
    );
    assert_eq!(
        compiled(bin, "--error-log-path=").as_deref(),
        Some("stderr")
    );
    assert_eq!(compiled(bin, "--http-scgi-temp-path="), None);
}

#[test]
fn temp_directories_under_one_parent_are_one_volume() {
    let d = collapse(vec![
        ("/run".into(), "pid".into(), false),
        ("/var/lib/nginx/body".into(), "t".into(), true),
        ("/var/lib/nginx/proxy".into(), "t".into(), true),
        ("/var/log/nginx".into(), "log".into(), false),
        ("/var/log/nginx".into(), "log".into(), false),
    ]);
    let dirs: Vec<&str> = d.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(dirs, ["/run", "/var/lib/nginx", "/var/log/nginx"]);
}

#[test]
fn logs_and_pid_files_are_never_merged_into_their_parent() {
    // Two logs in one directory, and a source build's layout.
    let d = collapse(vec![
        ("/opt/app/logs".into(), "error".into(), false),
        ("/opt/app/logs".into(), "access".into(), false),
        ("/usr/local/nginx/logs".into(), "pid".into(), false),
        ("/usr/local/nginx/client_body_temp".into(), "t".into(), true),
        ("/usr/local/nginx/proxy_temp".into(), "t".into(), true),
    ]);
    let dirs: Vec<&str> = d.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        dirs,
        ["/opt/app/logs", "/usr/local/nginx/logs", "/usr/local/nginx"],
        "temporary directories share their install's parent: {d:?}"
    );
}

#[test]
fn a_lua_block_is_not_read_as_directives() {
    let d = directives(
        "http {\n init_by_lua_block { local t = { pid = ngx.worker.pid() } -- it's '}'\n s = \"}\" }\n access_log /var/log/x.log;\n}\n",
    );
    let names: Vec<&str> = d.iter().map(|w| w[0].as_str()).collect();
    assert_eq!(names, ["http", "init_by_lua_block", "access_log"], "{d:?}");
}

/// An image laid out as the official `nginx` image is: logs linked to
/// the container's output, the configuration under `/etc/nginx` with
/// an include, the defaults compiled in as nginx.org builds them, an
/// entrypoint script that runs its arguments, and a shell.
fn official(dir: &std::path::Path) -> FsIndex {
    const LD: &str = "/lib64/ld-linux-x86-64.so.2";
    let w = |p: &str, b: &[u8]| {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, b).unwrap();
        let mut perm = std::fs::metadata(&f).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&f, perm).unwrap();
    };
    let exe = pare_elf::synth::elf64(Some(LD), &[], None, None);
    w(&LD[1..], &pare_elf::synth::elf64(None, &[], None, None));
    w("bin/sh", &exe);
    w("docker-entrypoint.sh", b"#!/bin/sh\nset -e\nexec \"$@\"\n");
    w(
        "etc/nginx/nginx.conf",
        b"user nginx;\nerror_log /var/log/nginx/error.log notice;\npid /var/run/nginx.pid;\nhttp {\n  access_log /var/log/nginx/access.log main;\n  include /etc/nginx/conf.d/*.conf;\n}\n",
    );
    w(
        "etc/nginx/conf.d/default.conf",
        b"server {\n  listen 80;\n  access_by_lua_block { local pid = '/nowhere/x.pid' }\n}\n",
    );
    let mut nginx = exe.clone();
    nginx.extend_from_slice(b" --prefix=/etc/nginx --conf-path=/etc/nginx/nginx.conf --error-log-path=/var/log/nginx/error.log --http-log-path=/var/log/nginx/access.log --pid-path=/var/run/nginx.pid --http-client-body-temp-path=/var/cache/nginx/client_temp --http-proxy-temp-path=/var/cache/nginx/proxy_temp\0");
    w("usr/sbin/nginx", &nginx);
    std::fs::create_dir_all(dir.join("var/log/nginx")).unwrap();
    std::fs::create_dir_all(dir.join("var/run")).unwrap();
    std::os::unix::fs::symlink("/dev/stdout", dir.join("var/log/nginx/access.log")).unwrap();
    std::os::unix::fs::symlink("/dev/stderr", dir.join("var/log/nginx/error.log")).unwrap();
    let source = pare_source::open(&format!("dir:{}", dir.display())).unwrap();
    let image = pare_image::Image::open(source, None).unwrap();
    let opts = pare_fsindex::IndexOptions {
        capture: pare_fsindex::glob_set(crate::CAPTURE_GLOBS),
        probes: crate::probes(),
        ..pare_fsindex::IndexOptions::default()
    };
    FsIndex::build(&image, &opts).unwrap()
}

fn config(entrypoint: &[&str], cmd: &[&str]) -> pare_image::ConfigFile {
    let mut c = pare_image::ConfigFile::default();
    c.config.entrypoint = entrypoint.iter().map(|s| (*s).to_string()).collect();
    c.config.cmd = cmd.iter().map(|s| (*s).to_string()).collect();
    c.config.env = vec!["PATH=/usr/sbin:/usr/bin:/sbin:/bin".into()];
    c
}

#[test]
fn the_official_images_layout_writes_its_pid_and_temp_dirs_not_its_linked_logs() {
    let t = tempfile::tempdir().unwrap();
    let idx = official(t.path());
    // What the closure of the container says nginx writes.
    let dirs = |c: &pare_image::ConfigFile| -> Vec<String> {
        crate::closure::closure(Some(c), &idx, &[])
            .writes
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    let exec = config(&["/docker-entrypoint.sh"], &["nginx", "-g", "daemon off;"]);
    assert_eq!(dirs(&exec), ["/var/run", "/var/cache/nginx"]);
    // the same in shell form
    let shell = config(&[], &["/bin/sh", "-c", "exec nginx -g 'daemon off;'"]);
    assert_eq!(dirs(&shell), ["/var/run", "/var/cache/nginx"]);
    // a configuration pare did not capture: nothing claimed
    let elsewhere = config(&["nginx", "-c", "/app/nginx.conf"], &[]);
    assert!(dirs(&elsewhere).is_empty());
    // not nginx
    assert!(dirs(&config(&["python3", "/etc/nginx"], &[])).is_empty());
}
