//! The keys of a synced network and what they do: seal and open the blobs the relay keeps, and
//! prove to the relay that a device holds the network's secret.
//!
//! Pure (no clock, no I/O); randomness comes from the platform through `getrandom`. Everything
//! follows from one 32-byte root secret, shown to the user once as a 24-word BIP39 recovery
//! phrase and passed to a second device in a link's fragment:
//!
//! - `doc_id`: public, names the network at the relay (HKDF-SHA256, info `colloquy/doc-id/v1`);
//! - the sealing key: XChaCha20-Poly1305, a random 24-byte nonce per blob, the doc id and the
//!   blob id bound as associated data so a blob can't be replayed under another name;
//! - the signing key: Ed25519; the relay keeps its public half on first use and each
//!   connection signs the relay's random challenge.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

/// Bytes of a blob id.
pub const BLOB_ID_LEN: usize = 16;
/// Bytes a sealed blob carries beyond its plaintext: the nonce and the tag.
pub const SEAL_OVERHEAD: usize = 24 + 16;

/// Words in a recovery phrase, and the bytes they spell: the secret and one checksum byte.
const PHRASE_WORDS: usize = 24;
const PHRASE_BYTES: usize = 33;

/// The `i`th 11-bit word index in `bits`, most significant bit first.
fn word_at(bits: &[u8; PHRASE_BYTES], i: usize) -> u16 {
    (i * 11..i * 11 + 11).fold(0, |word, bit| {
        word << 1 | u16::from(bits[bit / 8] >> (7 - bit % 8) & 1)
    })
}

/// Writes the `i`th 11-bit word index into `bits` (which start zeroed).
fn put_word(bits: &mut [u8; PHRASE_BYTES], i: usize, word: u16) {
    for (k, bit) in (i * 11..i * 11 + 11).enumerate() {
        if word >> (10 - k) & 1 == 1 {
            bits[bit / 8] |= 1 << (7 - bit % 8);
        }
    }
}

/// Why a secret, a phrase or a blob was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the recovery phrase needs 24 words from the BIP39 English list ({0})")]
    Phrase(String),
    #[error("it must carry a 32-byte key, and this one is damaged or cut short")]
    Link,
    #[error("this data was not sealed with this network's key, or it was changed")]
    Open,
    #[error("the signature does not match")]
    Signature,
}

/// The one secret a synced network's keys come from.
#[derive(Clone, PartialEq, Eq)]
pub struct RootSecret([u8; 32]);

impl std::fmt::Debug for RootSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootSecret(…)")
    }
}

impl RootSecret {
    /// A fresh secret from the platform's secure generator.
    pub fn generate() -> RootSecret {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the platform has no random number generator");
        RootSecret(bytes)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> RootSecret {
        RootSecret(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 24-word recovery phrase: BIP39, the 256-bit secret and the first byte of its SHA-256
    /// in 24 words of 11 bits each. (The `bip39` crate gives the word list; its own encoder
    /// would bring a second SHA-256 into the wasm. The tests check this against it.)
    pub fn phrase(&self) -> String {
        let words = bip39::Language::English.word_list();
        let mut bits = [0u8; PHRASE_BYTES];
        bits[..32].copy_from_slice(&self.0);
        bits[32] = Sha256::digest(self.0)[0];
        (0..PHRASE_WORDS)
            .map(|i| words[usize::from(word_at(&bits, i))])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The secret back from its phrase; spacing and case don't matter, the checksum does.
    pub fn from_phrase(phrase: &str) -> Result<RootSecret, CryptoError> {
        let words = phrase
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>();
        if words.len() != PHRASE_WORDS {
            return Err(CryptoError::Phrase(format!("got {} words", words.len())));
        }
        let mut bits = [0u8; PHRASE_BYTES];
        for (i, word) in words.iter().enumerate() {
            let index = bip39::Language::English.find_word(word).ok_or_else(|| {
                CryptoError::Phrase(format!("word {} is not on the list: “{word}”", i + 1))
            })?;
            put_word(&mut bits, i, index);
        }
        let (secret, checksum) = bits.split_at(32);
        if Sha256::digest(secret)[0] != checksum[0] {
            return Err(CryptoError::Phrase(
                "the words are not in the order they were given, or one is wrong".into(),
            ));
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(secret);
        Ok(RootSecret(bytes))
    }

    /// The secret as it travels in a pairing link's fragment (`#k=…`): URL-safe base64.
    pub fn to_fragment(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_fragment(fragment: &str) -> Result<RootSecret, CryptoError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(fragment.trim())
            .map_err(|_| CryptoError::Link)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Link)?;
        Ok(RootSecret(bytes))
    }

    /// Every key the network uses, derived from this secret.
    pub fn keys(&self) -> Keys {
        let hkdf = Hkdf::<Sha256>::new(Some(b"colloquy"), &self.0);
        let derive = |info: &[u8]| {
            let mut out = [0u8; 32];
            hkdf.expand(info, &mut out)
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            out
        };
        let doc_id = derive(b"colloquy/doc-id/v1");
        let seal = derive(b"colloquy/seal/v1");
        let signing = SigningKey::from_bytes(&derive(b"colloquy/sign/v1"));
        Keys {
            doc_id: DocId(doc_id),
            cipher: XChaCha20Poly1305::new(&seal.into()),
            signing,
        }
    }
}

/// The public name of a network at the relay: 32 bytes, shown as 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId(pub [u8; 32]);

impl DocId {
    /// Four words naming the network, the same on every device that syncs it: what people
    /// compare when they pair two devices. They identify the network; they don't protect it.
    pub fn fingerprint(&self) -> String {
        let words = bip39::Language::English.word_list();
        let mut bits = [0u8; PHRASE_BYTES];
        bits[..32].copy_from_slice(&self.0);
        (0..4)
            .map(|i| words[usize::from(word_at(&bits, i))])
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What kind of blob is sealed, bound into its associated data so one can't pass for the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobKind {
    /// Changes since the device's last push.
    Changes = 1,
    /// A whole document covering the log up to a sequence number.
    Snapshot = 2,
}

/// The keys derived from a root secret.
#[derive(Clone)]
pub struct Keys {
    pub doc_id: DocId,
    cipher: XChaCha20Poly1305,
    signing: SigningKey,
}

impl Keys {
    /// Seals `plaintext` as the blob `blob_id`: a random nonce, then the ciphertext and tag.
    pub fn seal(&self, kind: BlobKind, blob_id: &[u8; BLOB_ID_LEN], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the platform has no random number generator");
        let aad = self.aad(kind, blob_id);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = Vec::with_capacity(nonce.len() + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a blob sealed by [`Keys::seal`] under the same id and kind.
    pub fn open(
        &self,
        kind: BlobKind,
        blob_id: &[u8; BLOB_ID_LEN],
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < SEAL_OVERHEAD {
            return Err(CryptoError::Open);
        }
        let (nonce, body) = sealed.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| CryptoError::Open)?;
        let aad = self.aad(kind, blob_id);
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Open)
    }

    fn aad(&self, kind: BlobKind, blob_id: &[u8; BLOB_ID_LEN]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(1 + 32 + BLOB_ID_LEN);
        aad.push(kind as u8);
        aad.extend_from_slice(&self.doc_id.0);
        aad.extend_from_slice(blob_id);
        aad
    }

    /// The public half of the signing key, which the relay keeps on first use.
    pub fn verifying_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// Answers the relay's challenge.
    pub fn sign_challenge(&self, nonce: &[u8]) -> [u8; 64] {
        self.signing
            .sign(&challenge_message(&self.doc_id, nonce))
            .to_bytes()
    }
}

/// What a device signs to prove it holds the network's secret: a fixed label, the doc id and
/// the relay's nonce.
pub fn challenge_message(doc_id: &DocId, nonce: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(24 + 32 + nonce.len());
    message.extend_from_slice(b"colloquy-relay-auth-v1");
    message.extend_from_slice(&doc_id.0);
    message.extend_from_slice(nonce);
    message
}

/// The relay's side of the challenge: checks `signature` against the key it stored for `doc_id`.
pub fn verify_challenge(
    verifying_key: &[u8; 32],
    doc_id: &DocId,
    nonce: &[u8],
    signature: &[u8; 64],
) -> Result<(), CryptoError> {
    let key = VerifyingKey::from_bytes(verifying_key).map_err(|_| CryptoError::Signature)?;
    let signature = Signature::from_bytes(signature);
    key.verify_strict(&challenge_message(doc_id, nonce), &signature)
        .map_err(|_| CryptoError::Signature)
}

/// A fresh random blob id.
pub fn new_blob_id() -> [u8; BLOB_ID_LEN] {
    let mut id = [0u8; BLOB_ID_LEN];
    getrandom::fill(&mut id).expect("the platform has no random number generator");
    id
}

#[cfg(test)]
mod tests;
