//! The slimmed image as an OCI image layout directory: one gzip (or zstd)
//! layer.

use super::durable::SyncBehind;
use super::layer::{self, Compression};
use super::{io, Format, LayerCompression, Metadata, Selection, Source, Written, OCI_LAYOUT};
use crate::Result;
use pare_image::ConfigFile;
use std::io::Write;
use std::path::Path;

/// Write the layout into `out` (an empty directory).
pub(super) fn write(
    src: Source<'_>,
    sel: &Selection<'_>,
    config: &ConfigFile,
    out: &Path,
    tag: &str,
    compression: LayerCompression,
) -> Result<Written> {
    let (compression, media_type) = match compression {
        LayerCompression::Gzip => (
            Compression::Gzip,
            "application/vnd.oci.image.layer.v1.tar+gzip",
        ),
        LayerCompression::Zstd => (
            Compression::Zstd,
            "application/vnd.oci.image.layer.v1.tar+zstd",
        ),
    };
    let blobs = out.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(io(blobs.display().to_string()))?;
    let tmp = blobs.join(".layer.tmp");
    let name = tmp.display().to_string();
    let f = std::fs::File::create(&tmp).map_err(io(name.clone()))?;
    let f = SyncBehind::new(f).map_err(io(name.clone()))?;
    let (layer, mut f) = layer::write(
        src,
        sel,
        std::io::BufWriter::with_capacity(1 << 20, f),
        compression,
        &name,
    )?;
    f.flush().map_err(io(name.clone()))?;
    let f = f
        .into_inner()
        .map_err(|e| io(name.clone())(e.into_error()))?
        .finish()
        .map_err(io(name.clone()))?;
    f.sync_all().map_err(io(name))?;
    let layer_path = blobs.join(&layer.digest[7..]);
    std::fs::rename(&tmp, &layer_path).map_err(io(layer_path.display().to_string()))?;
    let meta = Metadata::new(config, &layer, media_type, tag, out)?;
    let put = |digest: &str, bytes: &[u8]| -> Result<()> {
        let p = blobs.join(&digest[7..]);
        std::fs::write(&p, bytes).map_err(io(p.display().to_string()))
    };
    put(&meta.config_digest, &meta.config)?;
    put(&meta.manifest_digest, &meta.manifest)?;
    let ip = out.join("index.json");
    std::fs::write(&ip, &meta.index).map_err(io(ip.display().to_string()))?;
    let lp = out.join("oci-layout");
    std::fs::write(&lp, OCI_LAYOUT).map_err(io(lp.display().to_string()))?;
    Ok(meta.written(Format::OciLayout, layer))
}
