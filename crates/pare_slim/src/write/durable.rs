//! The output file, flushed to disk while it is written.
//!
//! slim makes its layer durable before it renames it into place (`fsync`,
//! as containerd's content store and containers/image's OCI layouts do
//! for their blobs): the layer is nearly all of the output's bytes. The
//! config, manifest and `index.json` (a few KB) are written after it
//! without their own `fsync`, and the directory is not synced: after a
//! crash those may be missing or empty, never pointing at a layer with
//! half its bytes, and any reader's digest check says so. One `fsync` at
//! the end of the layer waited for all of it at once, 40 ms of `pare slim`'s 0.9 s on
//! `node-app` (50 MB of layer). Here a helper thread asks for what has been
//! written so far (`fdatasync`) every [`EVERY`] bytes while the writing
//! goes on, so the last `fsync` finds little left to do.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Bytes written between two flushes to disk.
const EVERY: u64 = 8 << 20;

/// A file that a helper thread flushes to disk behind the writes.
pub(super) struct SyncBehind {
    file: File,
    since: u64,
    tx: Option<mpsc::Sender<()>>,
    helper: Option<JoinHandle<io::Result<()>>>,
}

impl SyncBehind {
    /// Flush `file` behind its writes.
    pub(super) fn new(file: File) -> io::Result<Self> {
        let behind = file.try_clone()?;
        let (tx, rx) = mpsc::channel::<()>();
        let helper = std::thread::Builder::new()
            .name("pare-sync".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    // Requests that came while the last flush ran: one
                    // flush covers them all.
                    while rx.try_recv().is_ok() {}
                    behind.sync_data()?;
                }
                Ok(())
            })?;
        Ok(Self {
            file,
            since: 0,
            tx: Some(tx),
            helper: Some(helper),
        })
    }

    /// Stop the helper (its error, if a flush failed) and give the file
    /// back, for its last writes and its `sync_all`. (Dropped instead, on
    /// an error path, the sender goes and the helper ends by itself.)
    pub(super) fn finish(mut self) -> io::Result<File> {
        self.tx = None;
        match self.helper.take().map(JoinHandle::join) {
            Some(Ok(r)) => r?,
            Some(Err(_)) => return Err(io::Error::other("the thread flushing the output stopped")),
            None => {}
        }
        Ok(self.file)
    }
}

impl Write for SyncBehind {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.file.write(b)?;
        self.since += n as u64;
        if self.since >= EVERY {
            self.since = 0;
            if let Some(tx) = &self.tx {
                // A helper that stopped reports why at `finish`.
                let _ = tx.send(());
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_the_file() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f");
        let mut w = SyncBehind::new(File::create(&p).unwrap()).unwrap();
        let chunk: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        for _ in 0..20 {
            w.write_all(&chunk).unwrap();
        }
        let f = w.finish().unwrap();
        f.sync_all().unwrap();
        let back = std::fs::read(&p).unwrap();
        assert_eq!(back.len(), 20 << 20);
        assert!(back.chunks(1 << 20).all(|c| c == chunk));
    }
}
