//! A small stored form for strings, written by hand: each field is its length in bytes, `:`,
//! and its text. The typing journal and the overview cache use it; a serde format would cost
//! the download more code than this does, and it reads faster than JSON.

/// Appends `field` to `out`.
pub(crate) fn put_field(out: &mut String, field: &str) {
    out.push_str(&field.len().to_string());
    out.push(':');
    out.push_str(field);
}

/// Takes the next field off `rest`; `None` when what is left isn't one.
pub(crate) fn take_field<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let (len, tail) = rest.split_once(':')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: usize = len.parse().ok()?;
    let field = tail.get(..len)?;
    *rest = &tail[len..];
    Some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_whatever_they_hold() {
        let fields = ["", "plain", "1:2:3", "émoji 🎉", "\u{202E}rtl", "12:"];
        let mut out = String::new();
        for field in fields {
            put_field(&mut out, field);
        }
        let mut rest = out.as_str();
        for field in fields {
            assert_eq!(take_field(&mut rest), Some(field));
        }
        assert_eq!(rest, "");
        assert_eq!(take_field(&mut rest), None);
    }

    #[test]
    fn a_field_that_isnt_one_is_refused() {
        // No length, a signed or spaced length, a length past the end or inside a character.
        for junk in ["abc", ":x", "+1:x", " 1:x", "5:abc", "1:é"] {
            let mut rest = junk;
            assert_eq!(take_field(&mut rest), None, "{junk}");
        }
    }
}
