use super::*;

fn secret(byte: u8) -> RootSecret {
    RootSecret::from_bytes([byte; 32])
}

#[test]
fn the_phrase_is_24_words_and_gives_back_the_secret() {
    let root = RootSecret::generate();
    let phrase = root.phrase();
    assert_eq!(phrase.split(' ').count(), 24);
    assert_eq!(RootSecret::from_phrase(&phrase).unwrap(), root);
    // Typed sloppily: extra spaces, capitals, a line break.
    let sloppy = phrase.to_uppercase().replacen(' ', "  \n ", 3);
    assert_eq!(RootSecret::from_phrase(&sloppy).unwrap(), root);
}

#[test]
fn the_bip39_test_vector_for_all_zero_entropy_holds() {
    // BIP39's published vector for 32 zero bytes.
    let expected = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                    abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                    abandon abandon abandon abandon abandon art";
    assert_eq!(secret(0).phrase(), expected);
}

#[test]
fn a_wrong_word_count_or_checksum_is_refused() {
    let phrase = secret(7).phrase();
    let short: Vec<&str> = phrase.split(' ').take(23).collect();
    assert!(matches!(
        RootSecret::from_phrase(&short.join(" ")),
        Err(CryptoError::Phrase(m)) if m.contains("23")
    ));
    // Swap two words: the checksum catches it.
    let mut words: Vec<&str> = phrase.split(' ').collect();
    words.swap(0, 5);
    if words.join(" ") != phrase {
        assert!(RootSecret::from_phrase(&words.join(" ")).is_err());
    }
    assert!(RootSecret::from_phrase(
        &phrase.replace(phrase.split(' ').next().unwrap(), "notaword")
    )
    .is_err());
}

#[test]
fn the_link_fragment_round_trips_and_refuses_damage() {
    let root = RootSecret::generate();
    let fragment = root.to_fragment();
    assert!(fragment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_eq!(RootSecret::from_fragment(&fragment).unwrap(), root);
    assert_eq!(
        RootSecret::from_fragment(&fragment[1..]),
        Err(CryptoError::Link)
    );
    assert_eq!(
        RootSecret::from_fragment("not base64!"),
        Err(CryptoError::Link)
    );
}

#[test]
fn keys_are_stable_per_secret_and_differ_between_secrets() {
    let (a, b) = (secret(1).keys(), secret(2).keys());
    assert_eq!(a.doc_id, secret(1).keys().doc_id);
    assert_ne!(a.doc_id, b.doc_id);
    assert_ne!(a.verifying_key(), b.verifying_key());
    // The doc id reveals neither the secret nor the other keys.
    assert_ne!(&a.doc_id.0, secret(1).as_bytes());
    assert_ne!(a.doc_id.0, a.verifying_key());
    assert_eq!(a.doc_id.to_hex().len(), 64);
}

#[test]
fn sealed_blobs_open_only_with_the_same_key_id_and_kind() {
    let keys = secret(3).keys();
    let id = new_blob_id();
    let plaintext = b"Ana Lima, notes: prefers mornings";
    let sealed = keys.seal(BlobKind::Changes, &id, plaintext);
    assert_eq!(sealed.len(), plaintext.len() + SEAL_OVERHEAD);
    assert!(!sealed.windows(8).any(|w| w == b"Ana Lima"));
    assert_eq!(
        keys.open(BlobKind::Changes, &id, &sealed).unwrap(),
        plaintext
    );
    // Two seals of the same bytes differ (fresh nonce).
    assert_ne!(sealed, keys.seal(BlobKind::Changes, &id, plaintext));
    // Another network's key, another blob id, another kind, or a flipped bit: refused.
    assert_eq!(
        secret(4).keys().open(BlobKind::Changes, &id, &sealed),
        Err(CryptoError::Open)
    );
    assert_eq!(
        keys.open(BlobKind::Changes, &new_blob_id(), &sealed),
        Err(CryptoError::Open)
    );
    assert_eq!(
        keys.open(BlobKind::Snapshot, &id, &sealed),
        Err(CryptoError::Open)
    );
    let mut flipped = sealed.clone();
    flipped[30] ^= 1;
    assert_eq!(
        keys.open(BlobKind::Changes, &id, &flipped),
        Err(CryptoError::Open)
    );
    assert_eq!(
        keys.open(BlobKind::Changes, &id, &sealed[..10]),
        Err(CryptoError::Open)
    );
}

#[test]
fn the_challenge_signature_verifies_only_for_its_doc_nonce_and_key() {
    let keys = secret(5).keys();
    let nonce = [9u8; 32];
    let signature = keys.sign_challenge(&nonce);
    let key = keys.verifying_key();
    assert_eq!(
        verify_challenge(&key, &keys.doc_id, &nonce, &signature),
        Ok(())
    );
    assert!(verify_challenge(&key, &keys.doc_id, &[8u8; 32], &signature).is_err());
    assert!(verify_challenge(&key, &secret(6).keys().doc_id, &nonce, &signature).is_err());
    let other = secret(6).keys();
    assert!(verify_challenge(&other.verifying_key(), &keys.doc_id, &nonce, &signature).is_err());
}

proptest::proptest! {
    /// The phrase is BIP39's, word for word, and reads back as BIP39 reads it.
    #[test]
    fn the_phrase_matches_the_bip39_crate(bytes: [u8; 32]) {
        let phrase = RootSecret::from_bytes(bytes).phrase();
        let reference = bip39::Mnemonic::from_entropy(&bytes).unwrap().to_string();
        proptest::prop_assert_eq!(&phrase, &reference);
        let back = RootSecret::from_phrase(&reference).unwrap();
        proptest::prop_assert_eq!(back.as_bytes(), &bytes);
    }

    /// Any other last word breaks the checksum in all but 1 in 256 cases, and then the crate
    /// agrees that the phrase is valid.
    #[test]
    fn a_changed_last_word_is_refused_as_bip39_refuses_it(bytes: [u8; 32], word in 0usize..2048) {
        let phrase = RootSecret::from_bytes(bytes).phrase();
        let mut words: Vec<&str> = phrase.split(' ').collect();
        words[23] = bip39::Language::English.word_list()[word];
        let changed = words.join(" ");
        proptest::prop_assert_eq!(
            RootSecret::from_phrase(&changed).is_ok(),
            bip39::Mnemonic::parse_normalized(&changed).is_ok()
        );
    }
}

#[test]
fn a_network_is_named_by_four_words_that_differ_between_networks() {
    let secret = RootSecret::from_bytes([5; 32]);
    let words = secret.keys().doc_id.fingerprint();
    assert_eq!(words.split(' ').count(), 4);
    // The same on every device: it depends on the secret alone.
    assert_eq!(
        RootSecret::from_fragment(&secret.to_fragment())
            .unwrap()
            .keys()
            .doc_id
            .fingerprint(),
        words
    );
    // Four words of 11 bits: 1,000 networks all named apart.
    let names: std::collections::HashSet<String> = (0..1000u16)
        .map(|i| {
            let mut bytes = [0u8; 32];
            bytes[..2].copy_from_slice(&i.to_le_bytes());
            RootSecret::from_bytes(bytes).keys().doc_id.fingerprint()
        })
        .collect();
    assert_eq!(names.len(), 1000);
}
