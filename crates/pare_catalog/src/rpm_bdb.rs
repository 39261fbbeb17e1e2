//! A reader for the Berkeley DB *hash* access method, enough to list the
//! key/value pairs of rpm's legacy `Packages` database (RHEL/CentOS ≤ 8,
//! SUSE before 2021, Amazon Linux 2).
//!
//! Written here because no maintained Rust crate reads libdb files (the
//! format is only specified by libdb's source), and linking libdb would
//! mean a C library at runtime. Read-only, in memory, over the captured
//! bytes; every page number and offset is checked, and page chains are
//! bounded by the page count, so a corrupt file ends in an error, never a
//! panic or a loop.
//!
//! Layout (libdb 4.x–5.x, `dbinc/db_page.h`, `dbinc/hash.h`):
//! - page 0 is the hash metadata page: `magic` (0x061561) at 12, `pagesize`
//!   at 20, `last_pgno` at 32, `max_bucket` at 72, `spares[32]` at 96; the
//!   byte order is the writer's and is told by the magic;
//! - bucket `b` starts at page `b + spares[ceil(log2(b + 1))]`, and chains
//!   on through `next_pgno` (offset 16 of the 26-byte page header);
//! - a hash page (type 13, or 2 for old unsorted pages) holds `entries`
//!   item offsets (u16 each, from offset 26); items alternate key, value;
//!   item `i` spans from its offset to the previous item's offset (or the
//!   page end);
//! - an item starts with its type: 1 = inline bytes, 3 = off-page (`pgno`
//!   at 4, total length at 8), whose bytes run through overflow pages
//!   (type 7) from offset 26, `hf_offset` (offset 22) bytes per page.
//!
//! See: <https://github.com/berkeleydb/libdb/blob/master/src/dbinc/db_page.h>

/// Hash metadata magic.
const HASH_MAGIC: u32 = 0x0006_1561;
/// Page types.
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
/// Item types.
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// Page header length.
const PAGE_HEADER: usize = 26;

/// One record: key bytes and value bytes.
pub type Record = (Vec<u8>, Vec<u8>);

/// A Berkeley DB hash file, checked enough to be walked.
pub struct HashDb<'a> {
    data: &'a [u8],
    big_endian: bool,
    page_size: usize,
    pages: usize,
    max_bucket: u32,
    spares: [u32; 32],
}

impl<'a> HashDb<'a> {
    /// Check the metadata page.
    pub fn open(data: &'a [u8]) -> Result<Self, String> {
        if data.len() < 512 {
            return Err(format!(
                "{} bytes is too short for a Berkeley DB file",
                data.len()
            ));
        }
        let magic_le = u32::from_le_bytes([data[12], data[13], data[14], data[15]]);
        let magic_be = u32::from_be_bytes([data[12], data[13], data[14], data[15]]);
        let big_endian = match (magic_le == HASH_MAGIC, magic_be == HASH_MAGIC) {
            (true, _) => false,
            (_, true) => true,
            _ => return Err("not a Berkeley DB hash file (bad magic)".to_string()),
        };
        if data[25] != P_HASHMETA {
            return Err(format!("page 0 has type {}, not hash metadata", data[25]));
        }
        let mut db = HashDb {
            data,
            big_endian,
            page_size: 0,
            pages: 0,
            max_bucket: 0,
            spares: [0; 32],
        };
        let page_size = db.u32_at(20).unwrap_or(0) as usize;
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("invalid page size {page_size}"));
        }
        db.page_size = page_size;
        db.pages = data.len() / page_size;
        db.max_bucket = db.u32_at(72).unwrap_or(u32::MAX);
        if db.max_bucket as usize >= db.pages {
            return Err(format!(
                "{} buckets do not fit in {} pages",
                u64::from(db.max_bucket) + 1,
                db.pages
            ));
        }
        for (i, s) in db.spares.iter_mut().enumerate() {
            let at = 96 + i * 4;
            let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
            *s = if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            };
        }
        Ok(db)
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.data.get(at..at.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u16_at(&self, page: &[u8], at: usize) -> Option<u16> {
        let b = page.get(at..at.checked_add(2)?)?;
        let b = [b[0], b[1]];
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    /// Decode a key or value in the writer's byte order (rpm's hnum keys).
    #[must_use]
    pub fn u32_of(&self, b: &[u8]) -> Option<u32> {
        let b: [u8; 4] = b.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn page(&self, pgno: u32) -> Result<&'a [u8], String> {
        let start = (pgno as usize)
            .checked_mul(self.page_size)
            .filter(|_| (pgno as usize) < self.pages)
            .ok_or_else(|| format!("page {pgno} is beyond the end of the file"))?;
        Ok(&self.data[start..start + self.page_size])
    }

    /// The first page of bucket `b` (`BUCKET_TO_PAGE`).
    fn bucket_page(&self, b: u32) -> Option<u32> {
        let log2 = (u64::from(b) + 1).next_power_of_two().trailing_zeros() as usize;
        b.checked_add(*self.spares.get(log2)?)
    }

    /// Every record, bucket by bucket. A record that cannot be read comes
    /// back as `Err` in place; a broken bucket chain ends that bucket with
    /// an `Err` and the walk goes on with the next bucket. Each page is
    /// read at most once (a page reached twice is an error), so the output
    /// is never larger than the file.
    #[must_use]
    pub fn records(&self) -> Vec<Result<Record, String>> {
        let mut out = Vec::new();
        let mut used = vec![false; self.pages];
        for b in 0..=self.max_bucket {
            let Some(mut pgno) = self.bucket_page(b) else {
                out.push(Err(format!("bucket {b}: no page")));
                continue;
            };
            loop {
                let page = match self.page(pgno) {
                    Ok(p) => p,
                    Err(e) => {
                        out.push(Err(format!("bucket {b}: {e}")));
                        break;
                    }
                };
                if std::mem::replace(&mut used[pgno as usize], true) {
                    out.push(Err(format!("bucket {b}: page {pgno} is reached twice")));
                    break;
                }
                let ty = page[25];
                if ty != P_HASH && ty != P_HASH_UNSORTED {
                    out.push(Err(format!(
                        "bucket {b}: page {pgno} has type {ty}, not a hash page"
                    )));
                    break;
                }
                self.page_records(pgno, page, &mut used, &mut out);
                match self.u32_at(pgno as usize * self.page_size + 16) {
                    Some(0) | None => break,
                    Some(next) => pgno = next,
                }
            }
        }
        out
    }

    fn page_records(
        &self,
        pgno: u32,
        page: &[u8],
        used: &mut [bool],
        out: &mut Vec<Result<Record, String>>,
    ) {
        let entries = self.u16_at(page, 20).unwrap_or(0) as usize;
        if PAGE_HEADER + entries * 2 > page.len() {
            out.push(Err(format!(
                "page {pgno}: {entries} entries overrun the page"
            )));
            return;
        }
        let offsets: Vec<usize> = (0..entries)
            .map(|i| self.u16_at(page, PAGE_HEADER + i * 2).unwrap_or(0) as usize)
            .collect();
        let item = |i: usize| -> Result<&[u8], String> {
            let start = offsets[i];
            let end = if i == 0 { page.len() } else { offsets[i - 1] };
            if start < PAGE_HEADER + entries * 2 || start >= end || end > page.len() {
                return Err(format!("page {pgno}: item {i} has a bad offset `{start}`"));
            }
            Ok(&page[start..end])
        };
        for pair in 0..entries / 2 {
            let rec = item(pair * 2)
                .and_then(|k| self.item_bytes(pgno, k, used))
                .and_then(|k| {
                    let v = item(pair * 2 + 1).and_then(|v| self.item_bytes(pgno, v, used))?;
                    Ok((k, v))
                });
            out.push(rec);
        }
    }

    /// The bytes of one item: inline, or gathered from its overflow pages.
    fn item_bytes(&self, pgno: u32, item: &[u8], used: &mut [bool]) -> Result<Vec<u8>, String> {
        match item[0] {
            H_KEYDATA => Ok(item[1..].to_vec()),
            H_OFFPAGE => {
                if item.len() < 12 {
                    return Err(format!("page {pgno}: truncated off-page item"));
                }
                let first = self.u32_of(&item[4..8]).unwrap_or(0);
                let total = self.u32_of(&item[8..12]).unwrap_or(0) as usize;
                self.overflow(first, total, used)
            }
            t => Err(format!("page {pgno}: unsupported item type {t}")),
        }
    }

    fn overflow(&self, first: u32, total: usize, used: &mut [bool]) -> Result<Vec<u8>, String> {
        // The value can be no larger than the file.
        if total > self.data.len() {
            return Err(format!(
                "overflow item of {total} bytes is larger than the file"
            ));
        }
        let mut out = Vec::with_capacity(total);
        let mut pgno = first;
        while out.len() < total {
            if pgno == 0 {
                return Err(format!(
                    "overflow chain from page {first} ends after {} of {total} bytes",
                    out.len()
                ));
            }
            let page = self.page(pgno)?;
            if std::mem::replace(&mut used[pgno as usize], true) {
                return Err(format!("overflow page {pgno} is reached twice"));
            }
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "page {pgno} has type {}, not an overflow page",
                    page[25]
                ));
            }
            let len = self.u16_at(page, 22).unwrap_or(0) as usize;
            let chunk = page
                .get(PAGE_HEADER..PAGE_HEADER + len)
                .ok_or_else(|| format!("overflow page {pgno}: length {len} overruns the page"))?;
            out.extend_from_slice(chunk);
            pgno = self
                .u32_at(pgno as usize * self.page_size + 16)
                .unwrap_or(0);
        }
        out.truncate(total);
        Ok(out)
    }
}
