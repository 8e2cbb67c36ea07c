//! Content lines shared by the vCard (RFC 6350) and iCalendar (RFC 5545) writers: escaping a
//! text value and folding a long line.
//!
//! Both formats escape a text value the same way (backslash, comma, semicolon and line break)
//! and fold a line longer than 75 octets by breaking it with CRLF and one leading space.

/// The longest a physical line may be, in octets, not counting its CRLF (RFC 6350 3.2,
/// RFC 5545 3.1).
pub const MAX_OCTETS: usize = 75;

/// A text value escaped for a content line: `\` → `\\`, `,` → `\,`, `;` → `\;`, and every line
/// break (LF, CRLF or a lone CR) → `\n`.
///
/// Other control characters can't appear in a content line (both RFCs forbid them outside
/// HTAB), so they are dropped rather than written into a line that would break the file.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                // CRLF is one break; a lone CR is one too.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Several text values as one list value: each escaped, joined with unescaped commas.
pub fn escape_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|item| escape_text(item.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

/// `line` (a whole content line without its line break) folded so no physical line is longer
/// than [`MAX_OCTETS`] octets, each continuation starting with one space, and ended with CRLF.
///
/// A fold never splits a UTF-8 character (a line of emoji folds between them), nor an escape
/// such as `\,` (readers that unescape before they unfold would otherwise misread it).
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / MAX_OCTETS * 3 + 2);
    // The first physical line holds 75 octets; each continuation holds a space and 74 more.
    let mut room = MAX_OCTETS;
    let mut used = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        let mut unit = String::from(c);
        if c == '\\' {
            unit.extend(chars.next());
        }
        if used + unit.len() > room {
            out.push_str("\r\n ");
            room = MAX_OCTETS - 1;
            used = 0;
        }
        out.push_str(&unit);
        used += unit.len();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Undoes [`fold`]: CRLF followed by one space joins the lines.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    /// Undoes [`escape_text`], the way a reader does.
    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') | Some('N') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn escapes_the_four_special_characters() {
        assert_eq!(
            escape_text("Smith, Jane; \\ PhD\nSecond line"),
            "Smith\\, Jane\\; \\\\ PhD\\nSecond line"
        );
    }

    #[test]
    fn every_kind_of_line_break_becomes_one_escaped_newline() {
        assert_eq!(escape_text("a\r\nb\rc\nd"), "a\\nb\\nc\\nd");
        assert_eq!(escape_text("\r\n\r\n"), "\\n\\n");
    }

    #[test]
    fn control_characters_other_than_tab_are_dropped() {
        assert_eq!(escape_text("a\u{0}b\u{7}c\td\u{1b}"), "abc\td");
    }

    #[test]
    fn text_that_needs_nothing_is_unchanged() {
        let plain = "Zoë Ångström <script>alert(1)</script> \u{202e}evil 🎉";
        assert_eq!(escape_text(plain), plain);
    }

    #[test]
    fn escaping_round_trips_hostile_text() {
        let hostile = "a\\,b;c\\n,\\;;\n\\\\end\\";
        assert_eq!(unescape(&escape_text(hostile)), hostile);
    }

    #[test]
    fn a_list_escapes_commas_inside_items_only() {
        assert_eq!(
            escape_list(&["one", "two, three", "four;five"]),
            "one,two\\, three,four\\;five"
        );
        assert_eq!(escape_list::<&str>(&[]), "");
    }

    #[test]
    fn a_short_line_is_not_folded() {
        assert_eq!(fold("FN:Jane Doe"), "FN:Jane Doe\r\n");
        let exact = format!("NOTE:{}", "x".repeat(70));
        assert_eq!(exact.len(), 75);
        assert_eq!(fold(&exact), format!("{exact}\r\n"));
    }

    #[test]
    fn a_long_line_folds_at_75_octets() {
        let line = format!("NOTE:{}", "abcdefghij".repeat(30));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let physical: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 3);
        assert_eq!(physical[0].len(), 75);
        for continuation in &physical[1..physical.len() - 1] {
            assert!(continuation.starts_with(' '));
            assert_eq!(continuation.len(), 75);
        }
        assert_eq!(unfold(folded.trim_end_matches("\r\n")), line);
    }

    #[test]
    fn folding_never_splits_a_character() {
        let line = format!("NOTE:{}", "😀é中".repeat(40));
        let folded = fold(&line);
        for physical in folded.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        assert_eq!(unfold(folded.trim_end_matches("\r\n")), line);
        // "NOTE:" and seven 9-octet groups make 68; 😀 and é reach 74 and 中 would end at 77,
        // so the first line stops at 74 rather than cut it.
        let first = folded.split("\r\n").next().unwrap();
        assert_eq!(first.len(), 74);
        assert!(first.ends_with('é'));
    }

    #[test]
    fn folding_never_splits_an_escape() {
        // 74 octets, then `\,`: the escape would straddle octet 75, so it moves down whole.
        let line = format!("NOTE:{}\\,{}", "x".repeat(69), "y".repeat(10));
        let folded = fold(&line);
        let physical: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(physical[0].len(), 74);
        assert!(physical[1].starts_with(" \\,y"), "{folded}");
        assert_eq!(unfold(folded.trim_end_matches("\r\n")), line);
        // An escaped backslash is one unit too: `\\` then `n` is not `\n`.
        let line = format!("NOTE:{}\\\\n", "x".repeat(69));
        let folded = fold(&line);
        assert!(
            folded.contains("\\\\n") || folded.contains("\\\\\r\n n"),
            "{folded}"
        );
        assert!(!folded.contains("\\\r\n \\"), "{folded}");
        assert_eq!(unfold(folded.trim_end_matches("\r\n")), line);
    }
}
