//! rpm's NDB database (`Packages.db`, the default of SUSE and openSUSE
//! since 2021), read from memory with no C library.
//!
//! The format (rpm `lib/backend/ndb/rpmpkg.c`, rpm ≥ 4.16, little-endian):
//! - a 32-byte header: magic `RpmP`, version 0, generation, the number of
//!   4 KiB slot pages, the next package index;
//! - the slot pages (the header takes the first two 16-byte slots of the
//!   first page): each slot is magic `Slot`, package index (0: free), the
//!   blob's offset and length in 16-byte blocks;
//! - the blobs: magic `BlbS`, package index, Adler-32 checksum, length,
//!   then the package's header blob (what [`super::rpm_header`] reads).
//!
//! Every offset and length is checked against the file; a bad slot or
//! blob is an error for that package, in place, so the others survive.
//! `Index.db` (the index files beside it) is not needed.
//!
//! Why pare's own reader: there is no Rust crate for it, and the format is
//! the few fixed structures above.

/// Size of a slot page.
const PAGE: usize = 4096;
/// Size of a slot and of a blob block.
const BLK: usize = 16;
/// Most slot pages read (go-rpmdb's sanity bound: 2048 pages is ~500,000
/// packages).
pub const MAX_SLOT_PAGES: u32 = 2048;

fn u32le(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// One package's header blob, or why it could not be read, keyed by its
/// package index.
pub type Blob<'a> = (u32, Result<&'a [u8], String>);

/// The header blobs of an NDB `Packages.db`, in slot order.
///
/// # Errors
/// A file that is not an NDB database (magic, version, slot pages).
pub fn read(data: &[u8]) -> Result<Vec<Blob<'_>>, String> {
    if data.len() < 32 || &data[..4] != b"RpmP" {
        return Err("not an NDB database (no `RpmP` magic)".to_string());
    }
    let version = u32le(data, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(format!("NDB version `{version}` is not supported (0 is)"));
    }
    let pages = u32le(data, 12).unwrap_or(0);
    if pages == 0 || pages > MAX_SLOT_PAGES {
        return Err(format!(
            "`{pages}` slot pages (1 to {MAX_SLOT_PAGES} expected)"
        ));
    }
    let slots_end = pages as usize * PAGE;
    if slots_end > data.len() {
        return Err(format!(
            "the {pages} slot pages run past the end of the file ({} bytes)",
            data.len()
        ));
    }
    let mut out = Vec::new();
    // The header occupies the first two slots.
    for off in (2 * BLK..slots_end).step_by(BLK) {
        let slot = &data[off..off + BLK];
        if &slot[..4] != b"Slot" {
            out.push((0, Err(format!("bad slot magic at offset {off}"))));
            break; // the slot pages are damaged from here on
        }
        let idx = u32le(slot, 4).unwrap_or(0);
        if idx == 0 {
            continue; // free
        }
        out.push((idx, blob(data, idx, u32le(slot, 8), u32le(slot, 12))));
    }
    Ok(out)
}

fn blob(data: &[u8], idx: u32, blkoff: Option<u32>, blkcnt: Option<u32>) -> Result<&[u8], String> {
    let (Some(blkoff), Some(blkcnt)) = (blkoff, blkcnt) else {
        return Err("truncated slot".to_string());
    };
    let start = blkoff as usize * BLK;
    let end = start + blkcnt as usize * BLK;
    if blkcnt == 0 || end > data.len() {
        return Err(format!(
            "blob at block {blkoff} (+{blkcnt}) runs past the end of the file"
        ));
    }
    let head = &data[start..end];
    if &head[..4] != b"BlbS" {
        return Err(format!("bad blob magic at block {blkoff}"));
    }
    if u32le(head, 4) != Some(idx) {
        return Err(format!(
            "the blob at block {blkoff} belongs to another package"
        ));
    }
    let len = u32le(head, 12).unwrap_or(0) as usize;
    head.get(BLK..BLK + len)
        .ok_or_else(|| format!("blob length {len} runs past its {blkcnt} blocks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        assert!(read(b"").is_err());
        assert!(read(b"RpmP").is_err());
        let mut h = vec![0u8; 32];
        h[..4].copy_from_slice(b"RpmP");
        h[12] = 1; // one slot page, but the file is 32 bytes
        assert!(read(&h).unwrap_err().contains("past the end"));
        h[4] = 1;
        assert!(read(&h).unwrap_err().contains("version"));
    }
}
