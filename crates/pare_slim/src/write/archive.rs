//! The slimmed image as one tar file, as `docker save` writes it since
//! Docker 25: an OCI layout (`oci-layout`, `index.json`, `blobs/sha256/…`)
//! with Docker's `manifest.json` beside it, so that `docker load`, both of
//! skopeo's archive transports and pare read it. The layer is stored
//! uncompressed, as `docker save` stores it (nothing to inflate on load,
//! nothing to deflate here).
//!
//! The archive is streamed: the layer goes first, under a header written
//! with a placeholder name and size and rewritten in place once the
//! layer's digest and size are known (the digest-named path has a fixed
//! length, 77 bytes, inside the header's 100-byte name field). Nothing is
//! written but `out`, which is removed again when writing fails.

use super::durable::SyncBehind;
use super::layer::{self, Compression};
use super::{io, Format, Metadata, Selection, Source, Written, EPOCH, OCI_LAYOUT};
use crate::Result;
use pare_image::ConfigFile;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// Tar block size.
const BLOCK: u64 = 512;

fn blob_path(digest: &str) -> String {
    format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"))
}

/// A regular member's header.
fn header(path: &str, size: u64) -> std::io::Result<tar::Header> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_path(path)?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(EPOCH);
    h.set_cksum();
    Ok(h)
}

/// `RepoTags` for `manifest.json`: `tag` when it is a whole reference
/// with a tag (`app:slim`, `registry.example/app:1.2`); a bare tag
/// (`latest`) names no repository, and `docker load` then loads the image
/// by ID.
fn repo_tags(tag: &str) -> Vec<String> {
    pare_findings::ImageName::parse(tag)
        .filter(|n| n.tag.is_some() && n.digest.is_none() && tag.contains(':'))
        .map(|n| vec![n.familiar()])
        .unwrap_or_default()
}

/// Write the archive to `out` (absent or empty, or to be replaced; the
/// caller removes it when this fails).
pub(super) fn write(
    src: Source<'_>,
    sel: &Selection<'_>,
    config: &ConfigFile,
    out: &Path,
    tag: &str,
) -> Result<Written> {
    let name = out.display().to_string();
    let mut f = std::fs::File::create(out).map_err(io(name.clone()))?;
    let placeholder = blob_path(&format!("sha256:{}", "0".repeat(64)));
    f.write_all(
        header(&placeholder, 0)
            .map_err(io(name.clone()))?
            .as_bytes(),
    )
    .map_err(io(name.clone()))?;
    let f = SyncBehind::new(f).map_err(io(name.clone()))?;
    let (layer, w) = layer::write(
        src,
        sel,
        std::io::BufWriter::with_capacity(1 << 20, f),
        Compression::None,
        &name,
    )?;
    let layer_path = blob_path(&layer.digest);
    let meta = Metadata::new(
        config,
        &layer,
        "application/vnd.oci.image.layer.v1.tar",
        tag,
        out,
    )?;
    let docker_manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": blob_path(&meta.config_digest),
        "RepoTags": repo_tags(tag),
        "Layers": [layer_path],
    }]))
    .expect("json");
    let mut b = tar::Builder::new(w);
    // Pad the layer to a whole block: the builder appends from here.
    let pad = (BLOCK - layer.size % BLOCK) % BLOCK;
    b.get_mut()
        .write_all(&vec![0u8; usize::try_from(pad).unwrap_or(0)])
        .map_err(io(name.clone()))?;
    let members: [(String, &[u8]); 5] = [
        (blob_path(&meta.config_digest), &meta.config),
        (blob_path(&meta.manifest_digest), &meta.manifest),
        ("index.json".into(), &meta.index),
        ("oci-layout".into(), OCI_LAYOUT),
        ("manifest.json".into(), &docker_manifest),
    ];
    for (path, bytes) in members {
        let h = header(&path, bytes.len() as u64).map_err(io(name.clone()))?;
        b.append(&h, bytes).map_err(io(name.clone()))?;
    }
    let mut w = b.into_inner().map_err(io(name.clone()))?;
    w.flush().map_err(io(name.clone()))?;
    let mut f = w
        .into_inner()
        .map_err(|e| io(name.clone())(e.into_error()))?
        .finish()
        .map_err(io(name.clone()))?;
    // The layer's real name and size, in place of the placeholder's.
    f.seek(SeekFrom::Start(0)).map_err(io(name.clone()))?;
    f.write_all(
        header(&layer_path, layer.size)
            .map_err(io(name.clone()))?
            .as_bytes(),
    )
    .map_err(io(name.clone()))?;
    f.sync_all().map_err(io(name))?;
    Ok(meta.written(Format::DockerArchive, layer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_references_become_repo_tags() {
        assert_eq!(repo_tags("app:slim"), vec!["app:slim".to_string()]);
        assert_eq!(
            repo_tags("registry.example/team/app:1.2"),
            vec!["registry.example/team/app:1.2".to_string()]
        );
        assert!(repo_tags("latest").is_empty());
        assert!(repo_tags("app@sha256:0123").is_empty());
    }

    #[test]
    fn the_placeholder_and_the_real_name_have_one_length() {
        let a = blob_path(&format!("sha256:{}", "0".repeat(64)));
        let b = blob_path(&format!("sha256:{}", "ab".repeat(32)));
        assert_eq!(a.len(), b.len());
        assert!(a.len() < 100, "fits the header's name field");
    }
}
