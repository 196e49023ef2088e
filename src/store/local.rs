//! The local-directory backend: the object with key K is the file DIR/K.
//!
//! Writes go to a temporary file first and are then hard-linked into place;
//! `link` fails when the target exists, which makes "create if absent"
//! atomic even with several processes writing to one directory. The
//! bytes are synced before the link, the key's directory after it, and
//! every directory created for a key is synced into its parent, so that
//! an object reported written survives a crash.

use super::{ObjectReader, Put, Store, StoreError, Versions, validate_key};
use async_trait::async_trait;
use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io(key: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        key: key.to_string(),
        source,
    }
}

/// Create `dir` and its missing parents, syncing each parent that gained a
/// directory (`create_dir_all` leaves the new entries unsynced: a crash
/// could lose the directory of an object whose file was synced).
fn create_dir_durably(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_durably(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => std::fs::File::open(parent)?.sync_all(),
            None => Ok(()),
        },
        Err(e) if e.kind() == ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl Store for LocalStore {
    async fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> Result<Put, StoreError> {
        let path = self.path(key)?;
        let key = key.to_string();
        tokio::task::spawn_blocking(move || -> Result<Put, StoreError> {
            if path.exists() {
                return Ok(Put::Existed);
            }
            let dir = path
                .parent()
                .ok_or_else(|| StoreError::InvalidKey(key.clone()))?;
            create_dir_durably(dir).map_err(io(&key))?;
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let tmp = dir.join(format!(
                ".tmp-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            // create_new: never write into another writer's temp file.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(io(&key))?;
            // Make the bytes durable before they become visible.
            let written = f.write_all(&bytes).and_then(|_| f.sync_all());
            drop(f);
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(io(&key)(e));
            }
            let linked = std::fs::hard_link(&tmp, &path);
            let _ = std::fs::remove_file(&tmp);
            // And make the new name durable.
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
            match linked {
                Ok(()) => Ok(Put::Created),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(Put::Existed),
                Err(e) => Err(io(&key)(e)),
            }
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(key)(e)),
        }
    }

    async fn versions(&self, _prefix: &str) -> Result<Versions, StoreError> {
        Ok(Versions::NotKept(
            "a directory store keeps no versions: a file overwritten leaves no trace".into(),
        ))
    }

    async fn remove_transient(&self, key: &str) -> Result<(), StoreError> {
        super::check_removable(key)?;
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(key)(e)),
        }
    }

    async fn modified(&self, key: &str) -> Result<Option<time::OffsetDateTime>, StoreError> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(m.modified().map_err(io(key))?.into())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(key)(e)),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(tokio::fs::try_exists(self.path(key)?)
            .await
            .map_err(io(key))?)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(&prefix)(e)),
                };
                for entry in entries.flatten() {
                    let p = entry.path();
                    let name = entry.file_name();
                    if name.to_string_lossy().starts_with(".tmp-") {
                        continue;
                    }
                    let Ok(rel) = p.strip_prefix(&root) else {
                        continue;
                    };
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    if p.is_dir() {
                        if prefix.starts_with(&format!("{rel}/"))
                            || rel.starts_with(&prefix)
                            || prefix.is_empty()
                        {
                            stack.push(p);
                        }
                    } else if rel.starts_with(&prefix) {
                        out.push(rel);
                    }
                }
            }
            out.sort();
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    async fn open_stream(&self, key: &str) -> Result<Option<ObjectReader>, StoreError> {
        use tokio::io::AsyncReadExt;
        let path = self.path(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(key)(e)),
        };
        let size = file.metadata().await.map_err(io(key))?.len();
        let key = key.to_string();
        let chunks = futures_util::stream::unfold(Some(file), move |file| {
            let key = key.clone();
            async move {
                let mut file = file?;
                let mut buf = vec![0u8; 1 << 16];
                match file.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(bytes::Bytes::from(buf)), Some(file)))
                    }
                    Err(e) => Some((Err(io(&key)(e)), None)),
                }
            }
        });
        Ok(Some(ObjectReader {
            size,
            chunks: Box::pin(chunks),
        }))
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn a_key_s_directories_are_made_level_by_level_and_a_file_in_the_way_is_an_error() {
        let root = std::env::temp_dir().join(format!("sohoa-dirs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let deep = root.join("cases/000.00.13.H04-210628-0001/x");
        create_dir_durably(&deep).unwrap();
        assert!(deep.is_dir());
        create_dir_durably(&deep).unwrap(); // again: nothing to do
        std::fs::write(root.join("file"), b"x").unwrap();
        assert!(create_dir_durably(&root.join("file/sub")).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[tokio::test]
    async fn put_is_write_once() {
        let dir = std::env::temp_dir().join(format!("sohoa-local-{}", std::process::id()));
        let s = LocalStore::new(&dir);
        assert_eq!(
            s.put_if_absent("a/b.txt", b"one".to_vec()).await.unwrap(),
            Put::Created
        );
        assert_eq!(
            s.put_if_absent("a/b.txt", b"two".to_vec()).await.unwrap(),
            Put::Existed
        );
        assert_eq!(s.get("a/b.txt").await.unwrap().unwrap(), b"one");
        assert_eq!(s.list("a/").await.unwrap(), vec!["a/b.txt".to_string()]);
        let (h, n) = s.sha256("a/b.txt").await.unwrap().unwrap();
        assert_eq!(n, 3);
        assert_eq!(h, hex::encode(Sha256::digest(b"one")));
        assert!(s.get("a/missing").await.unwrap().is_none());
        assert!(s.put_if_absent("../escape", vec![]).await.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
