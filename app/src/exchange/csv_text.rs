//! CSV as spreadsheets and contact exports write it (RFC 4180): fields separated by commas,
//! records by LF or CRLF, a field in double quotes may hold commas, line breaks and `""` for a
//! quote, and a quote inside an unquoted field is text.
//!
//! Written here rather than taken from the `csv` crate (kept for the tests, which check this
//! reader against it): the browser build needs only these two functions, and the crate's
//! general reader and writer cost several KB of every first visit.

/// One record, with the line (from 1) it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// The records of `text`, blank lines left out. `Err` carries the line where a quoted field
/// opens that is never closed.
pub fn rows(text: &str) -> Result<Vec<Row>, usize> {
    let mut rows = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    // Whether the current record has anything yet (a blank line is no record).
    let mut started = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if cell.is_empty() => {
                started = true;
                let opened = line;
                loop {
                    match chars.next() {
                        None => return Err(opened),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cell.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            cell.push(c);
                        }
                    }
                }
            }
            ',' => {
                started = true;
                cells.push(std::mem::take(&mut cell));
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if started {
                    cells.push(std::mem::take(&mut cell));
                    rows.push(Row {
                        line: row_line,
                        cells: std::mem::take(&mut cells),
                    });
                }
                started = false;
                line += 1;
                row_line = line;
            }
            c => {
                started = true;
                cell.push(c);
            }
        }
    }
    if started {
        cells.push(cell);
        rows.push(Row {
            line: row_line,
            cells,
        });
    }
    Ok(rows)
}

/// Records as CSV: a field is quoted when it holds a comma, a quote, a line break or spaces at
/// either end; every record ends with a line break.
pub fn write<S: AsRef<str>>(
    records: impl IntoIterator<Item = impl IntoIterator<Item = S>>,
) -> String {
    let mut out = String::new();
    for record in records {
        for (i, field) in record.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let field = field.as_ref();
            if field.contains([',', '"', '\n', '\r'])
                || field.starts_with(char::is_whitespace)
                || field.ends_with(char::is_whitespace)
            {
                out.push('"');
                out.push_str(&field.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(field);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<String>> {
        rows(text).unwrap().into_iter().map(|r| r.cells).collect()
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text = "a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\"y,\n\n,\n";
        assert_eq!(
            cells(text),
            [
                vec!["a", "b, c", "say \"hi\""],
                vec!["two\nlines", "x\"y", ""],
                vec!["", ""],
            ]
        );
        let lines: Vec<usize> = rows(text).unwrap().iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 5]);
        assert_eq!(rows("a,\"never closed\nb\n"), Err(1));
        assert_eq!(cells("last,row"), [vec!["last", "row"]]);
        assert!(cells("").is_empty());
    }

    /// What the csv crate reads.
    fn theirs(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    proptest::proptest! {
        /// Whatever is written reads back, through this reader and through the csv crate.
        #[test]
        fn written_records_read_back(
            records in proptest::collection::vec(
                proptest::collection::vec("[a-z ,\"\r\n=é]{0,8}", 1..5), 1..6),
        ) {
            let text = write(&records);
            let expected: Vec<Vec<String>> = records
                .iter()
                .filter(|r| !(r.len() == 1 && r[0].is_empty()))
                .cloned()
                .collect();
            proptest::prop_assert_eq!(cells(&text), expected.clone());
            let theirs: Vec<Vec<String>> = theirs(&text);
            proptest::prop_assert_eq!(theirs, expected);
        }

        /// Any text the csv crate reads, this reader reads the same (unclosed quotes aside,
        /// which the importers refuse).
        #[test]
        fn reads_as_the_csv_crate_does(text in "[ab, \"\r\n]{0,40}") {
            if let Ok(ours) = rows(&text) {
                let theirs: Vec<Vec<String>> = theirs(&text);
                let ours: Vec<Vec<String>> = ours.into_iter().map(|r| r.cells).collect();
                proptest::prop_assert_eq!(ours, theirs, "{:?}", text);
            }
        }
    }
}
