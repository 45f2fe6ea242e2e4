//! The object store for document files, and their encryption at rest.
//!
//! Every file version gets a random 256-bit data key. The file is encrypted with it as it
//! streams in, in 64 KiB chunks, by AES-256-GCM in the STREAM construction (a 32-bit
//! big-endian chunk counter and a last-chunk flag in each chunk's nonce), so a chunk cannot
//! be altered, dropped, reordered or cut off at the end without decryption failing. The data
//! key is stored beside the version's row, wrapped (AES-256-GCM, random nonce, bound to the
//! object's key) by the master key; rows also name the master key by its id, so rotation
//! re-wraps data keys without touching the files.
//!
//! An object is `PCF1` + the 7-byte STREAM nonce, then the encrypted chunks: every chunk but
//! the last holds 64 KiB of the file and its 16-byte tag; the last one holds 0 to 64 KiB.
//! Files are never held in memory whole: uploads go out through the store's multipart
//! upload, downloads are decrypted chunk by chunk as they are sent.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use aead_stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::{Bytes, BytesMut};
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::{ObjectStoreSettings, Settings};
use crate::domain::documents::{SNIFF_BYTES, Utf8Check, sniff};

/// Bytes of the file in each chunk but the last.
pub const CHUNK: usize = 64 * 1024;
/// The authentication tag after each chunk.
const TAG: usize = 16;
/// An encrypted chunk but the last.
const SEALED_CHUNK: usize = CHUNK + TAG;
/// What every object starts with.
const MAGIC: &[u8; 4] = b"PCF1";
/// The STREAM nonce prefix (12-byte GCM nonce less the 5 bytes of counter and flag).
const STREAM_NONCE: usize = 7;
const HEADER: usize = MAGIC.len() + STREAM_NONCE;
/// A wrapped key: the GCM nonce, then the encrypted data key and its tag.
const WRAP_NONCE: usize = 12;
/// Parts sent to the store at once during an upload.
const UPLOAD_CONCURRENCY: usize = 2;
/// The name of the generated master key file in the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

/// A 256-bit AES key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A new random key.
    pub fn generate() -> SecretKey {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        SecretKey(k)
    }

    /// Reads a key written as base64 (standard or URL-safe) or hex of 32 bytes.
    pub fn parse(text: &str) -> anyhow::Result<SecretKey> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .context("not hex")?
        } else {
            B64.decode(text)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .context("a master key must be base64 or hex of 32 bytes")?
        };
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("a master key must be 32 bytes (256 bits)"))?;
        Ok(SecretKey(key))
    }

    /// The key as base64, for a key file.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.0))
    }
}

/// The key that wraps every file's data key, and its id (a prefix of its SHA-256), which
/// each row names so that rotation knows what is left to re-wrap.
#[derive(Clone)]
pub struct MasterKey {
    key: SecretKey,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).finish()
    }
}

/// Why a wrapped data key could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum UnwrapError {
    #[error("the file key is wrapped by master key {0}, not the configured one")]
    OtherMasterKey(String),
    #[error("the wrapped file key is damaged")]
    Damaged,
}

impl MasterKey {
    pub fn new(key: SecretKey) -> MasterKey {
        let digest = Sha256::digest(key.0);
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        MasterKey { key, id }
    }

    /// The configured key (`PORTCULLIS_MASTER_KEY`), or else the key file in the data
    /// directory, generated (readable by the owner only) when there is none yet.
    pub fn load(settings: &Settings) -> anyhow::Result<MasterKey> {
        if let Some(secret) = &settings.master_key {
            return Ok(MasterKey::new(
                SecretKey::parse(&secret.0).context("PORTCULLIS_MASTER_KEY")?,
            ));
        }
        let path = settings.data_dir.join(MASTER_KEY_FILE);
        if !path.exists() {
            write_key_file(&path, &SecretKey::generate())?;
            tracing::info!(path = %path.display(), "generated the master key file");
        }
        read_key_file(&path)
    }

    /// The key's id, stored with every data key it wraps.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Wraps a data key for the object at `object_key`.
    pub fn wrap(&self, data_key: &SecretKey, object_key: &str) -> String {
        let mut nonce = [0u8; WRAP_NONCE];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail.
        let sealed = self
            .key
            .cipher()
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &data_key.0,
                    aad: object_key.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// Opens a data key wrapped by the master key of id `master_key_id`.
    pub fn unwrap(
        &self,
        wrapped: &str,
        master_key_id: &str,
        object_key: &str,
    ) -> Result<SecretKey, UnwrapError> {
        if master_key_id != self.id {
            return Err(UnwrapError::OtherMasterKey(master_key_id.to_owned()));
        }
        let raw = B64.decode(wrapped).map_err(|_| UnwrapError::Damaged)?;
        if raw.len() != WRAP_NONCE + 32 + TAG {
            return Err(UnwrapError::Damaged);
        }
        let nonce: [u8; WRAP_NONCE] = raw[..WRAP_NONCE]
            .try_into()
            .map_err(|_| UnwrapError::Damaged)?;
        let key = self
            .key
            .cipher()
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: &raw[WRAP_NONCE..],
                    aad: object_key.as_bytes(),
                },
            )
            .map_err(|_| UnwrapError::Damaged)?;
        let key: [u8; 32] = key.try_into().map_err(|_| UnwrapError::Damaged)?;
        Ok(SecretKey(key))
    }
}

/// Writes a key file readable and writable by its owner only.
pub fn write_key_file(path: &FsPath, key: &SecretKey) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("Failed to create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("Failed to create the key file {}", path.display()))?;
    file.write_all(format!("{}\n", key.to_base64()).as_bytes())
        .and_then(|_| file.sync_all())
        .with_context(|| format!("Failed to write the key file {}", path.display()))
}

/// Reads a key file written by [`write_key_file`].
pub fn read_key_file(path: &FsPath) -> anyhow::Result<MasterKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("Failed to read the key file {}", path.display()))?;
    Ok(MasterKey::new(SecretKey::parse(&text).with_context(
        || format!("The key file {} holds no key", path.display()),
    )?))
}

/// A file as stored: what the row records of it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub size: i64,
    /// Lowercase hex.
    pub sha256: String,
    pub content_type: &'static str,
    pub wrapped_key: String,
    pub master_key_id: String,
}

/// Why an upload was not stored. Nothing is left in the store after any of them.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("the file exceeds {0} bytes")]
    TooLarge(u64),
    #[error("the request body could not be read: {0}")]
    Body(String),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("encryption failed")]
    Crypto,
}

/// Why a stored file could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Key(#[from] UnwrapError),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("the stored file is damaged or was tampered with: {0}")]
    Damaged(&'static str),
}

/// The encrypted object store.
#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    master: MasterKey,
    /// Where the local store keeps its files (none for S3).
    pub local_root: Option<PathBuf>,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objects")
            .field("store", &self.store.to_string())
            .field("master", &self.master)
            .finish()
    }
}

impl Objects {
    /// The store the settings name, with the master key they name.
    pub fn open(settings: &Settings) -> anyhow::Result<Objects> {
        Self::with_master(settings, MasterKey::load(settings)?)
    }

    /// The store the settings name, with a given master key.
    pub fn with_master(settings: &Settings, master: MasterKey) -> anyhow::Result<Objects> {
        let (store, local_root): (Arc<dyn ObjectStore>, _) = match &settings.object_store {
            ObjectStoreSettings::Local => {
                let root = settings.data_dir.join("objects");
                std::fs::create_dir_all(&root)
                    .with_context(|| format!("Failed to create {}", root.display()))?;
                let store = LocalFileSystem::new_with_prefix(&root).with_context(|| {
                    format!("Failed to open the object store {}", root.display())
                })?;
                (Arc::new(store), Some(root))
            }
            ObjectStoreSettings::S3 {
                bucket,
                endpoint,
                region,
            } => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                let store = builder
                    .build()
                    .with_context(|| format!("Failed to configure the S3 bucket {bucket}"))?;
                (Arc::new(store), None)
            }
        };
        Ok(Objects {
            store,
            master,
            local_root,
        })
    }

    /// The master key in use.
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// A fresh, unguessable object key for a new file version.
    pub fn new_key() -> String {
        format!("documents/{}", uuid::Uuid::now_v7().simple())
    }

    /// Encrypts `body` into the object `object_key` as it arrives, refusing it past `limit`
    /// bytes. On any failure the multipart upload is aborted, so nothing is left behind.
    pub async fn put<S, E>(&self, object_key: &str, body: S, limit: u64) -> Result<Stored, PutError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let upload = self.store.put_multipart(&Path::from(object_key)).await?;
        let mut writer = WriteMultipart::new(upload);
        match encrypt_into(&mut writer, body, limit).await {
            Ok((size, sha256, content_type, data_key)) => match writer.finish().await {
                Ok(_) => Ok(Stored {
                    size,
                    sha256,
                    content_type,
                    wrapped_key: self.master.wrap(&data_key, object_key),
                    master_key_id: self.master.id.clone(),
                }),
                Err(e) => {
                    self.delete(object_key).await;
                    Err(e.into())
                }
            },
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, object_key, "aborting an upload failed");
                }
                Err(e)
            }
        }
    }

    /// The decrypted bytes of `object_key`, as a stream. The first chunk is read and checked
    /// before this returns, so a file damaged at its start fails here, before any byte is
    /// sent; damage found later ends the stream with an error.
    pub async fn get(
        &self,
        object_key: &str,
        wrapped_key: &str,
        master_key_id: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, ReadError>>, ReadError> {
        let data_key = self.master.unwrap(wrapped_key, master_key_id, object_key)?;
        let inner = self.store.get(&Path::from(object_key)).await?.into_stream();
        let mut stream = decrypting(inner, data_key);
        match stream.next().await {
            Some(Ok(first)) => Ok(futures_util::stream::once(async move { Ok(first) })
                .chain(stream)
                .boxed()),
            Some(Err(e)) => Err(e),
            None => Err(ReadError::Damaged("empty object")),
        }
    }

    /// Deletes an object; a failure is logged (the object is unreachable without its row).
    pub async fn delete(&self, object_key: &str) {
        if let Err(e) = self.store.delete(&Path::from(object_key)).await {
            tracing::warn!(error = %e, object_key, "deleting a stored file failed");
        }
    }
}

/// The upload loop: hashes, sniffs and encrypts `body` chunk by chunk into `writer`.
async fn encrypt_into<S, E>(
    writer: &mut WriteMultipart,
    mut body: S,
    limit: u64,
) -> Result<(i64, String, &'static str, SecretKey), PutError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let data_key = SecretKey::generate();
    let mut nonce = [0u8; STREAM_NONCE];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut encryptor = EncryptorBE32::<Aes256Gcm>::new(&data_key.0.into(), &nonce.into());
    let mut header = MAGIC.to_vec();
    header.extend_from_slice(&nonce);
    writer.write(&header);

    let mut hasher = Sha256::new();
    let mut utf8 = Utf8Check::default();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut size: u64 = 0;
    let mut pending = BytesMut::with_capacity(SEALED_CHUNK);
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|e| PutError::Body(e.to_string()))?;
        size += piece.len() as u64;
        if size > limit {
            return Err(PutError::TooLarge(limit));
        }
        hasher.update(&piece);
        utf8.feed(&piece);
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(piece.len());
            head.extend_from_slice(&piece[..take]);
        }
        pending.extend_from_slice(&piece);
        // A full chunk is sealed only once more follows: the last one is sealed as last.
        while pending.len() > CHUNK {
            let mut chunk = Vec::with_capacity(SEALED_CHUNK);
            chunk.extend_from_slice(&pending.split_to(CHUNK));
            encryptor
                .encrypt_next_in_place(b"", &mut chunk)
                .map_err(|_| PutError::Crypto)?;
            writer.wait_for_capacity(UPLOAD_CONCURRENCY).await?;
            writer.write(&chunk);
        }
    }
    let mut last = Vec::with_capacity(pending.len() + TAG);
    last.extend_from_slice(&pending);
    encryptor
        .encrypt_last_in_place(b"", &mut last)
        .map_err(|_| PutError::Crypto)?;
    writer.write(&last);
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let size = i64::try_from(size).map_err(|_| PutError::TooLarge(limit))?;
    Ok((size, sha256, sniff(&head, utf8.finish()), data_key))
}

/// Where a decrypting stream stands.
struct Decrypting {
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    key: SecretKey,
    pending: BytesMut,
    decryptor: Option<DecryptorBE32<Aes256Gcm>>,
    /// The header is read and the decryptor made.
    started: bool,
    /// The last chunk was returned, or an error: nothing more follows.
    done: bool,
}

/// Decrypts an object's byte stream chunk by chunk: one plaintext piece per chunk, or an
/// error (after which the stream ends) when a chunk fails to authenticate, the object ends
/// early, or the store fails.
fn decrypting(
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    key: SecretKey,
) -> BoxStream<'static, Result<Bytes, ReadError>> {
    let state = Decrypting {
        inner,
        key,
        pending: BytesMut::with_capacity(SEALED_CHUNK * 2),
        decryptor: None,
        started: false,
        done: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        match next_plain(&mut s).await {
            Ok((bytes, last)) => {
                s.done = last;
                Some((Ok(bytes), s))
            }
            Err(e) => {
                s.done = true;
                Some((Err(e), s))
            }
        }
    })
    .boxed()
}

/// The next piece of plaintext, and whether it is the last.
async fn next_plain(s: &mut Decrypting) -> Result<(Bytes, bool), ReadError> {
    loop {
        if !s.started && s.pending.len() >= HEADER {
            if &s.pending[..MAGIC.len()] != MAGIC {
                return Err(ReadError::Damaged("not an encrypted file"));
            }
            let header = s.pending.split_to(HEADER);
            let nonce: [u8; STREAM_NONCE] = header[MAGIC.len()..]
                .try_into()
                .map_err(|_| ReadError::Damaged("bad header"))?;
            s.decryptor = Some(DecryptorBE32::<Aes256Gcm>::new(
                &s.key.0.into(),
                &nonce.into(),
            ));
            s.started = true;
        }
        if s.started && s.pending.len() > SEALED_CHUNK {
            let mut chunk = Vec::with_capacity(SEALED_CHUNK);
            chunk.extend_from_slice(&s.pending.split_to(SEALED_CHUNK));
            let decryptor = s
                .decryptor
                .as_mut()
                .ok_or(ReadError::Damaged("data after the last chunk"))?;
            decryptor
                .decrypt_next_in_place(b"", &mut chunk)
                .map_err(|_| ReadError::Damaged("a chunk failed authentication"))?;
            return Ok((Bytes::from(chunk), false));
        }
        match s.inner.next().await {
            Some(piece) => s.pending.extend_from_slice(&piece?),
            None => {
                let Some(decryptor) = s.decryptor.take() else {
                    return Err(ReadError::Damaged("the file ends before its first chunk"));
                };
                let mut last = s.pending.split().to_vec();
                decryptor
                    .decrypt_last_in_place(b"", &mut last)
                    .map_err(|_| ReadError::Damaged("the file is cut short or its end altered"))?;
                return Ok((Bytes::from(last), true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &FsPath) -> Settings {
        let dir = dir.to_string_lossy().into_owned();
        Settings::from_lookup(|k| (k == "PORTCULLIS_DATA_DIR").then(|| dir.clone()))
            .expect("settings")
    }

    async fn round_trip(objects: &Objects, data: &[u8]) -> Result<Vec<u8>, ReadError> {
        let key = Objects::new_key();
        let pieces: Vec<Result<Bytes, std::io::Error>> = data
            .chunks(10_000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let stored = objects
            .put(&key, futures_util::stream::iter(pieces), u64::MAX)
            .await
            .expect("stored");
        assert_eq!(stored.size as usize, data.len());
        let mut out = Vec::new();
        let mut stream = objects
            .get(&key, &stored.wrapped_key, &stored.master_key_id)
            .await?;
        while let Some(piece) = stream.next().await {
            out.extend_from_slice(&piece?);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn files_of_every_size_round_trip() {
        let dir = tempfile::tempdir().expect("dir");
        let objects = Objects::open(&settings(dir.path())).expect("store");
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            assert_eq!(
                round_trip(&objects, &data).await.expect("readable"),
                data,
                "{len}"
            );
        }
    }

    #[test]
    fn keys_unwrap_only_with_their_master_key_and_object() {
        let a = MasterKey::new(SecretKey::generate());
        let b = MasterKey::new(SecretKey::generate());
        let data = SecretKey::generate();
        let wrapped = a.wrap(&data, "documents/x");
        assert_eq!(
            a.unwrap(&wrapped, a.id(), "documents/x").expect("opens").0,
            data.0
        );
        assert!(a.unwrap(&wrapped, a.id(), "documents/y").is_err());
        assert!(b.unwrap(&wrapped, a.id(), "documents/x").is_err());
        assert!(b.unwrap(&wrapped, b.id(), "documents/x").is_err());
    }

    #[test]
    fn master_keys_read_as_base64_or_hex() {
        let hex = "00".repeat(31) + "01";
        assert_eq!(SecretKey::parse(&hex).expect("hex").0[31], 1);
        let b64 = SecretKey::generate().to_base64();
        assert!(SecretKey::parse(&b64).is_ok());
        assert!(SecretKey::parse("short").is_err());
    }
}
