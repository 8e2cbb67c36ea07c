//! The relay's wire format: one binary WebSocket frame per message, a version byte, a tag byte,
//! then the fields in a fixed order (integers little-endian, byte strings length-prefixed).
//!
//! Hand-written rather than derived: the format is small, stable and the relay and the browser
//! must agree byte for byte; a decoder that refuses trailing or missing bytes is easy to check.

use crate::crypto::BLOB_ID_LEN;

/// The protocol version every frame starts with.
pub const VERSION: u8 = 1;

pub type BlobId = [u8; BLOB_ID_LEN];

/// What a device sends the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientMsg {
    /// Opens a session for a network.
    Hello {
        doc_id: [u8; 32],
    },
    /// Answers the challenge: the network's public key (kept by the relay on first use) and
    /// the signature over the challenge.
    Auth {
        verifying_key: [u8; 32],
        signature: [u8; 64],
    },
    /// Sends everything after `since` (paged), then each new blob as it arrives.
    Subscribe {
        since: u64,
    },
    /// Appends a sealed blob; pushing the same id again is a no-op that acks again.
    Push {
        blob_id: BlobId,
        sealed: Vec<u8>,
    },
    /// Uploads a sealed snapshot of the whole document covering the log up to `covers`.
    PutSnapshot {
        blob_id: BlobId,
        covers: u64,
        sealed: Vec<u8>,
    },
    /// Deletes the network's data from the relay.
    Delete,
    Ping,
}

/// A blob of the log, as the relay sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    pub seq: u64,
    pub blob_id: BlobId,
    pub sealed: Vec<u8>,
}

/// A snapshot: the whole document as of `covers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub blob_id: BlobId,
    pub covers: u64,
    pub sealed: Vec<u8>,
}

/// What the relay sends a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerMsg {
    Challenge {
        nonce: [u8; 32],
    },
    /// Authenticated; `latest` is the newest sequence number of the log, `epoch` the relay's
    /// store's id (a new one after a restore: a device that knew another re-sends everything).
    Welcome {
        latest: u64,
        epoch: [u8; 16],
    },
    /// A page of the log. `snapshot` comes first when the blobs the device asked for were
    /// compacted into it; `more` says another page follows.
    Blobs {
        snapshot: Option<Snapshot>,
        blobs: Vec<Blob>,
        more: bool,
    },
    /// The push with this id is durable as `seq`.
    Ack {
        blob_id: BlobId,
        seq: u64,
    },
    /// The snapshot covering `covers` is stored; blobs it covers may be dropped.
    SnapshotStored {
        covers: u64,
    },
    /// The log has grown to `latest` (sent when the blobs themselves can't follow at once).
    Notify {
        latest: u64,
    },
    /// The network's data is gone from the relay.
    Deleted,
    Error {
        code: ErrorCode,
        message: String,
    },
    Pong,
}

impl ServerMsg {
    /// The message's kind, for what the user reads (never its contents).
    pub fn name(&self) -> &'static str {
        match self {
            ServerMsg::Challenge { .. } => "Challenge",
            ServerMsg::Welcome { .. } => "Welcome",
            ServerMsg::Blobs { .. } => "Blobs",
            ServerMsg::Ack { .. } => "Ack",
            ServerMsg::SnapshotStored { .. } => "SnapshotStored",
            ServerMsg::Notify { .. } => "Notify",
            ServerMsg::Deleted => "Deleted",
            ServerMsg::Error { .. } => "Error",
            ServerMsg::Pong => "Pong",
        }
    }
}

/// Why the relay refused something; the client shows the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A frame that doesn't decode, or a message out of order.
    BadFrame = 1,
    /// The signature doesn't match the key this network was first synced with.
    Unauthorized = 2,
    /// A frame over the size limit.
    TooLarge = 3,
    /// Too many pushes per second on this connection.
    RateLimited = 4,
    /// The network's data at the relay is over its size limit.
    QuotaExceeded = 5,
    /// A protocol version this relay doesn't speak.
    Version = 6,
    /// The relay failed to store or read.
    Internal = 7,
    /// The relay doesn't start this network: it takes new ones only by invite, or none.
    Closed = 8,
}

impl ErrorCode {
    fn from_u16(code: u16) -> Option<ErrorCode> {
        Some(match code {
            1 => ErrorCode::BadFrame,
            2 => ErrorCode::Unauthorized,
            3 => ErrorCode::TooLarge,
            4 => ErrorCode::RateLimited,
            5 => ErrorCode::QuotaExceeded,
            6 => ErrorCode::Version,
            7 => ErrorCode::Internal,
            8 => ErrorCode::Closed,
            _ => return None,
        })
    }
}

/// A frame that could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the frame is empty")]
    Empty,
    #[error("protocol version {0} is not spoken here (this side speaks {VERSION})")]
    Version(u8),
    #[error("unknown message tag {0}")]
    Tag(u8),
    #[error("the frame ends early")]
    Short,
    #[error("the frame has {0} bytes too many")]
    Trailing(usize),
    #[error("a text field is not UTF-8")]
    Utf8,
    #[error("unknown error code {0}")]
    Code(u16),
    #[error("a yes/no field holds {0}")]
    Flag(u8),
}

impl ClientMsg {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            ClientMsg::Hello { doc_id } => {
                w.u8(1);
                w.raw(doc_id);
            }
            ClientMsg::Auth {
                verifying_key,
                signature,
            } => {
                w.u8(2);
                w.raw(verifying_key);
                w.raw(signature);
            }
            ClientMsg::Subscribe { since } => {
                w.u8(3);
                w.u64(*since);
            }
            ClientMsg::Push { blob_id, sealed } => {
                w.u8(4);
                w.raw(blob_id);
                w.bytes(sealed);
            }
            ClientMsg::PutSnapshot {
                blob_id,
                covers,
                sealed,
            } => {
                w.u8(5);
                w.raw(blob_id);
                w.u64(*covers);
                w.bytes(sealed);
            }
            ClientMsg::Delete => w.u8(6),
            ClientMsg::Ping => w.u8(7),
        }
        w.0
    }

    pub fn decode(frame: &[u8]) -> Result<ClientMsg, DecodeError> {
        let mut r = Reader::open(frame)?;
        let msg = match r.u8()? {
            1 => ClientMsg::Hello { doc_id: r.array()? },
            2 => ClientMsg::Auth {
                verifying_key: r.array()?,
                signature: r.array()?,
            },
            3 => ClientMsg::Subscribe { since: r.u64()? },
            4 => ClientMsg::Push {
                blob_id: r.array()?,
                sealed: r.bytes()?,
            },
            5 => ClientMsg::PutSnapshot {
                blob_id: r.array()?,
                covers: r.u64()?,
                sealed: r.bytes()?,
            },
            6 => ClientMsg::Delete,
            7 => ClientMsg::Ping,
            tag => return Err(DecodeError::Tag(tag)),
        };
        r.finish()?;
        Ok(msg)
    }
}

impl ServerMsg {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            ServerMsg::Challenge { nonce } => {
                w.u8(101);
                w.raw(nonce);
            }
            ServerMsg::Welcome { latest, epoch } => {
                w.u8(102);
                w.u64(*latest);
                w.raw(epoch);
            }
            ServerMsg::Blobs {
                snapshot,
                blobs,
                more,
            } => {
                w.u8(103);
                match snapshot {
                    None => w.u8(0),
                    Some(s) => {
                        w.u8(1);
                        w.raw(&s.blob_id);
                        w.u64(s.covers);
                        w.bytes(&s.sealed);
                    }
                }
                w.u32(u32::try_from(blobs.len()).expect("a page holds fewer than 2^32 blobs"));
                for blob in blobs {
                    w.u64(blob.seq);
                    w.raw(&blob.blob_id);
                    w.bytes(&blob.sealed);
                }
                w.u8(u8::from(*more));
            }
            ServerMsg::Ack { blob_id, seq } => {
                w.u8(104);
                w.raw(blob_id);
                w.u64(*seq);
            }
            ServerMsg::SnapshotStored { covers } => {
                w.u8(105);
                w.u64(*covers);
            }
            ServerMsg::Notify { latest } => {
                w.u8(106);
                w.u64(*latest);
            }
            ServerMsg::Deleted => w.u8(107),
            ServerMsg::Error { code, message } => {
                w.u8(108);
                w.u16(*code as u16);
                w.bytes(message.as_bytes());
            }
            ServerMsg::Pong => w.u8(109),
        }
        w.0
    }

    pub fn decode(frame: &[u8]) -> Result<ServerMsg, DecodeError> {
        let mut r = Reader::open(frame)?;
        let msg = match r.u8()? {
            101 => ServerMsg::Challenge { nonce: r.array()? },
            102 => ServerMsg::Welcome {
                latest: r.u64()?,
                epoch: r.array()?,
            },
            103 => {
                let snapshot = match r.flag()? {
                    false => None,
                    true => Some(Snapshot {
                        blob_id: r.array()?,
                        covers: r.u64()?,
                        sealed: r.bytes()?,
                    }),
                };
                let count = r.u32()? as usize;
                // Each blob takes at least 28 bytes: don't trust a count the frame can't hold.
                if count > r.remaining() / 28 {
                    return Err(DecodeError::Short);
                }
                let mut blobs = Vec::with_capacity(count);
                for _ in 0..count {
                    blobs.push(Blob {
                        seq: r.u64()?,
                        blob_id: r.array()?,
                        sealed: r.bytes()?,
                    });
                }
                ServerMsg::Blobs {
                    snapshot,
                    blobs,
                    more: r.flag()?,
                }
            }
            104 => ServerMsg::Ack {
                blob_id: r.array()?,
                seq: r.u64()?,
            },
            105 => ServerMsg::SnapshotStored { covers: r.u64()? },
            106 => ServerMsg::Notify { latest: r.u64()? },
            107 => ServerMsg::Deleted,
            108 => {
                let code = r.u16()?;
                ServerMsg::Error {
                    code: ErrorCode::from_u16(code).ok_or(DecodeError::Code(code))?,
                    message: String::from_utf8(r.bytes()?).map_err(|_| DecodeError::Utf8)?,
                }
            }
            109 => ServerMsg::Pong,
            tag => return Err(DecodeError::Tag(tag)),
        };
        r.finish()?;
        Ok(msg)
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn new() -> Writer {
        Writer(vec![VERSION])
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn raw(&mut self, v: &[u8]) {
        self.0.extend_from_slice(v);
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u32(u32::try_from(v.len()).expect("a field is shorter than 4 GiB"));
        self.0.extend_from_slice(v);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn open(frame: &'a [u8]) -> Result<Reader<'a>, DecodeError> {
        match frame.split_first() {
            None => Err(DecodeError::Empty),
            Some((&VERSION, rest)) => Ok(Reader(rest)),
            Some((&v, _)) => Err(DecodeError::Version(v)),
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError::Short);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn remaining(&self) -> usize {
        self.0.len()
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    /// A yes/no byte: 0 or 1 and nothing else, so every frame has one reading and one form.
    fn flag(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(DecodeError::Flag(other)),
        }
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        Ok(self.take(N)?.try_into().expect("took exactly N bytes"))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        let len = self.u32()? as usize;
        Ok(self.take(len)?.to_vec())
    }
    fn finish(self) -> Result<(), DecodeError> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(DecodeError::Trailing(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn client_msgs() -> Vec<ClientMsg> {
        vec![
            ClientMsg::Hello { doc_id: [7; 32] },
            ClientMsg::Auth {
                verifying_key: [1; 32],
                signature: [2; 64],
            },
            ClientMsg::Subscribe { since: 42 },
            ClientMsg::Push {
                blob_id: [3; 16],
                sealed: vec![9; 100],
            },
            ClientMsg::PutSnapshot {
                blob_id: [4; 16],
                covers: 17,
                sealed: vec![],
            },
            ClientMsg::Delete,
            ClientMsg::Ping,
        ]
    }

    fn server_msgs() -> Vec<ServerMsg> {
        vec![
            ServerMsg::Challenge { nonce: [5; 32] },
            ServerMsg::Welcome {
                latest: 3,
                epoch: [7; 16],
            },
            ServerMsg::Blobs {
                snapshot: Some(Snapshot {
                    blob_id: [1; 16],
                    covers: 10,
                    sealed: vec![1, 2, 3],
                }),
                blobs: vec![
                    Blob {
                        seq: 11,
                        blob_id: [2; 16],
                        sealed: vec![4; 50],
                    },
                    Blob {
                        seq: 12,
                        blob_id: [3; 16],
                        sealed: vec![],
                    },
                ],
                more: true,
            },
            ServerMsg::Blobs {
                snapshot: None,
                blobs: vec![],
                more: false,
            },
            ServerMsg::Ack {
                blob_id: [6; 16],
                seq: u64::MAX,
            },
            ServerMsg::SnapshotStored { covers: 9 },
            ServerMsg::Notify { latest: 8 },
            ServerMsg::Deleted,
            ServerMsg::Error {
                code: ErrorCode::TooLarge,
                message: "frame over 1 MiB — «too big»".into(),
            },
            ServerMsg::Pong,
        ]
    }

    #[test]
    fn every_message_round_trips_and_starts_with_the_version() {
        for msg in client_msgs() {
            let frame = msg.encode();
            assert_eq!(frame[0], VERSION);
            assert_eq!(ClientMsg::decode(&frame), Ok(msg));
        }
        for msg in server_msgs() {
            let frame = msg.encode();
            assert_eq!(frame[0], VERSION);
            assert_eq!(ServerMsg::decode(&frame), Ok(msg));
        }
    }

    #[test]
    fn damaged_frames_are_refused_with_the_reason() {
        let push = ClientMsg::Push {
            blob_id: [3; 16],
            sealed: vec![9; 10],
        }
        .encode();
        assert_eq!(ClientMsg::decode(&[]), Err(DecodeError::Empty));
        let mut other_version = push.clone();
        other_version[0] = 2;
        assert_eq!(
            ClientMsg::decode(&other_version),
            Err(DecodeError::Version(2))
        );
        assert_eq!(
            ClientMsg::decode(&push[..push.len() - 1]),
            Err(DecodeError::Short)
        );
        let mut longer = push.clone();
        longer.push(0);
        assert_eq!(ClientMsg::decode(&longer), Err(DecodeError::Trailing(1)));
        assert_eq!(ClientMsg::decode(&[VERSION, 99]), Err(DecodeError::Tag(99)));
        // A page claiming more blobs than its bytes can hold.
        let mut page = vec![VERSION, 103, 0];
        page.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(ServerMsg::decode(&page), Err(DecodeError::Short));
    }

    fn bytes_up_to(max: usize) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(any::<u8>(), 0..max)
    }

    fn any_client_msg() -> impl Strategy<Value = ClientMsg> {
        prop_oneof![
            any::<[u8; 32]>().prop_map(|doc_id| ClientMsg::Hello { doc_id }),
            (
                any::<[u8; 32]>(),
                prop::array::uniform32(any::<u8>()),
                any::<[u8; 32]>()
            )
                .prop_map(|(verifying_key, a, b)| {
                    let mut signature = [0; 64];
                    signature[..32].copy_from_slice(&a);
                    signature[32..].copy_from_slice(&b);
                    ClientMsg::Auth {
                        verifying_key,
                        signature,
                    }
                }),
            any::<u64>().prop_map(|since| ClientMsg::Subscribe { since }),
            (any::<[u8; 16]>(), bytes_up_to(64))
                .prop_map(|(blob_id, sealed)| ClientMsg::Push { blob_id, sealed }),
            (any::<[u8; 16]>(), any::<u64>(), bytes_up_to(64)).prop_map(
                |(blob_id, covers, sealed)| ClientMsg::PutSnapshot {
                    blob_id,
                    covers,
                    sealed
                }
            ),
            Just(ClientMsg::Delete),
            Just(ClientMsg::Ping),
        ]
    }

    fn any_server_msg() -> impl Strategy<Value = ServerMsg> {
        let blob = (any::<u64>(), any::<[u8; 16]>(), bytes_up_to(24)).prop_map(
            |(seq, blob_id, sealed)| Blob {
                seq,
                blob_id,
                sealed,
            },
        );
        let snapshot = (any::<[u8; 16]>(), any::<u64>(), bytes_up_to(24)).prop_map(
            |(blob_id, covers, sealed)| Snapshot {
                blob_id,
                covers,
                sealed,
            },
        );
        let code = prop::sample::select(vec![
            ErrorCode::BadFrame,
            ErrorCode::Unauthorized,
            ErrorCode::TooLarge,
            ErrorCode::RateLimited,
            ErrorCode::QuotaExceeded,
            ErrorCode::Version,
            ErrorCode::Internal,
            ErrorCode::Closed,
        ]);
        prop_oneof![
            any::<[u8; 32]>().prop_map(|nonce| ServerMsg::Challenge { nonce }),
            (any::<u64>(), any::<[u8; 16]>())
                .prop_map(|(latest, epoch)| ServerMsg::Welcome { latest, epoch }),
            (
                prop::option::of(snapshot),
                prop::collection::vec(blob, 0..4),
                any::<bool>()
            )
                .prop_map(|(snapshot, blobs, more)| ServerMsg::Blobs {
                    snapshot,
                    blobs,
                    more
                }),
            (any::<[u8; 16]>(), any::<u64>())
                .prop_map(|(blob_id, seq)| ServerMsg::Ack { blob_id, seq }),
            any::<u64>().prop_map(|covers| ServerMsg::SnapshotStored { covers }),
            any::<u64>().prop_map(|latest| ServerMsg::Notify { latest }),
            Just(ServerMsg::Deleted),
            (code, ".{0,20}").prop_map(|(code, message)| ServerMsg::Error { code, message }),
            Just(ServerMsg::Pong),
        ]
    }

    /// A change to a valid frame: what a broken or hostile peer might send instead.
    #[derive(Clone, Debug)]
    enum Damage {
        /// XOR a byte (never with 0, so the byte changes).
        Flip(prop::sample::Index, u8),
        Truncate(prop::sample::Index),
        Insert(prop::sample::Index, u8),
        Append(Vec<u8>),
        /// Overwrite four bytes with a length, as if a length field lied.
        Length(prop::sample::Index, u32),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        let length = prop_oneof![Just(u32::MAX), Just(0u32), 0..300u32, any::<u32>()];
        prop_oneof![
            (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(i, x)| Damage::Flip(i, x)),
            any::<prop::sample::Index>().prop_map(Damage::Truncate),
            (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
            prop::collection::vec(any::<u8>(), 1..8).prop_map(Damage::Append),
            (any::<prop::sample::Index>(), length).prop_map(|(i, n)| Damage::Length(i, n)),
        ]
    }

    fn damaged(frame: &[u8], damage: &Damage) -> Vec<u8> {
        let mut bytes = frame.to_vec();
        match damage {
            Damage::Flip(at, x) => bytes[at.index(frame.len())] ^= x,
            Damage::Truncate(at) => bytes.truncate(at.index(frame.len())),
            Damage::Insert(at, b) => bytes.insert(at.index(frame.len() + 1), *b),
            Damage::Append(more) => bytes.extend_from_slice(more),
            Damage::Length(at, n) => {
                let at = at.index(frame.len());
                let end = (at + 4).min(bytes.len());
                bytes.splice(at..end, n.to_le_bytes()[..end - at].iter().copied());
            }
        }
        bytes
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_decoders(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = ClientMsg::decode(&bytes);
            let _ = ServerMsg::decode(&bytes);
        }

        /// Starting from valid frames, so the damage reaches the fields past the version and tag:
        /// a damaged frame is refused whole, or it is a frame in its own right (it encodes back
        /// to exactly the bytes received; nothing was skipped or read two ways).
        #[test]
        fn a_damaged_client_frame_is_refused_or_read_exactly(msg in any_client_msg(), damage in damage()) {
            let frame = msg.encode();
            prop_assert_eq!(ClientMsg::decode(&frame), Ok(msg));
            let bad = damaged(&frame, &damage);
            if let Ok(read) = ClientMsg::decode(&bad) {
                prop_assert_eq!(read.encode(), bad, "read as {:?}", read);
            }
        }

        #[test]
        fn a_damaged_server_frame_is_refused_or_read_exactly(msg in any_server_msg(), damage in damage()) {
            let frame = msg.encode();
            prop_assert_eq!(ServerMsg::decode(&frame), Ok(msg));
            let bad = damaged(&frame, &damage);
            if let Ok(read) = ServerMsg::decode(&bad) {
                prop_assert_eq!(read.encode(), bad, "read as {:?}", read);
            }
        }
    }

    #[test]
    fn yes_no_fields_hold_only_zero_or_one() {
        let page = ServerMsg::Blobs {
            snapshot: None,
            blobs: vec![],
            more: true,
        }
        .encode();
        let mut two = page.clone();
        *two.last_mut().unwrap() = 2;
        assert_eq!(ServerMsg::decode(&two), Err(DecodeError::Flag(2)));
        let mut snapshot_flag = page;
        snapshot_flag[2] = 7;
        assert_eq!(ServerMsg::decode(&snapshot_flag), Err(DecodeError::Flag(7)));
    }
}
