//! A layer tar cut short inside its last entry (the contents, or only the
//! padding after them) whose digests were computed over the cut bytes, so
//! that only the tar structure shows it: the error names the layer and the
//! entry and says the layer is truncated, instead of the tar reader's
//! "unexpected EOF during skip".

mod support;
use support::*;

/// `app/data.bin` (10 bytes) and `etc/os-release` (captured), cut `keep`
/// bytes into the second entry's 512-byte header + contents.
fn cut_layer(keep: usize, comp: Comp) -> Layer {
    let full = tar_bytes(&[
        E::Dir("etc/"),
        E::File("etc/os-release", b"ID=debian\n".to_vec(), 0o644),
        E::File("app/data.bin", b"0123456789".to_vec(), 0o644),
    ]);
    // dir header (512) + os-release header and padded contents (1024)
    let second = 512 + 1024;
    Layer {
        tar: full[..second + keep].to_vec(),
        comp,
    }
}

fn check(o: &std::process::Output, file: &str, what: &str) {
    assert_one_line_error(o, file, "layer 0 (sha256:");
    let err = stderr(o);
    assert!(
        err.contains(&format!(
            "the tar stream ends inside {what} (truncated layer)"
        )),
        "{err}"
    );
    assert!(!err.contains("unexpected EOF during skip"), "{err}");
}

#[test]
fn last_entry_without_padding_docker_archive() {
    let t = tmp();
    let da = t.path().join("d.tar");
    // the contents are whole, the padding and end-of-archive blocks missing
    docker_archive(&da, &[cut_layer(512 + 10, Comp::None)], &Faults::default());
    let o = pare(&["inspect", &path_str(&da)]);
    check(&o, "d.tar", "entry `app/data.bin`");
}

#[test]
fn last_entry_cut_inside_its_contents_oci_gzip() {
    let t = tmp();
    let dir = t.path().join("oci");
    oci_layout(&dir, &[cut_layer(512 + 4, Comp::Gzip)], &Faults::default());
    let o = pare(&["sbom", &path_str(&dir)]);
    check(&o, "oci", "entry `app/data.bin`");
}

#[test]
fn cut_inside_a_header_names_the_entry_before_it() {
    let t = tmp();
    let da = t.path().join("d.tar");
    docker_archive(&da, &[cut_layer(100, Comp::None)], &Faults::default());
    let o = pare(&["inspect", &path_str(&da)]);
    check(&o, "d.tar", "the header after entry `etc/os-release`");
}
