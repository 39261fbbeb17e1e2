//! An in-memory `Source` for fuzz targets.
use pare_source::{BlobLocation, Result, Root, Source, SourceKind};
use std::collections::HashMap;
use std::io::Read;

pub struct Mem {
    pub root: Root,
    pub blobs: HashMap<String, Vec<u8>>,
}

impl Source for Mem {
    fn name(&self) -> &str {
        "fuzz"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::OciDir
    }
    fn root(&self) -> Result<Root> {
        Ok(self.root.clone())
    }
    fn open(&self, loc: &BlobLocation) -> Result<Box<dyn Read + Send + '_>> {
        self.blobs
            .get(&loc.to_string())
            .map(|b| Box::new(b.as_slice()) as Box<dyn Read + Send>)
            .ok_or_else(|| pare_source::Error::Missing { what: loc.to_string() })
    }
    fn size(&self, loc: &BlobLocation) -> Option<u64> {
        self.blobs.get(&loc.to_string()).map(|b| b.len() as u64)
    }
}

pub fn sha256(b: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}
