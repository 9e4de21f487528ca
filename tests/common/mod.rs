//! Helpers shared by the report tests (`report.rs`, `sweep_report.rs`): reading the numbers
//! a page shows, as a reader would, and the text of its elements.

/// Every number in `text`, in order, with the count of decimals it was written with. Reads
/// "1,066,584", "−2.13" (Unicode minus), "+0.120" and "£36,712,000".
pub fn numbers(text: &str) -> Vec<(f64, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let negative = i > 0 && (chars[i - 1] == '\u{2212}' || chars[i - 1] == '-');
            let mut digits = String::new();
            let mut decimals = None;
            while i < chars.len() {
                let c = chars[i];
                let next_is_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
                if c.is_ascii_digit() {
                    digits.push(c);
                    if let Some(d) = decimals.as_mut() {
                        *d += 1;
                    }
                } else if c == ',' && next_is_digit && decimals.is_none() {
                    // a thousands separator
                } else if c == '.' && next_is_digit && decimals.is_none() {
                    digits.push('.');
                    decimals = Some(0);
                } else {
                    break;
                }
                i += 1;
            }
            let value: f64 = digits.parse().expect("digits parse");
            found.push((if negative { -value } else { value }, decimals.unwrap_or(0)));
        } else {
            i += 1;
        }
    }
    found
}

/// The text between `start` and the next `end` after it, for every occurrence.
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(start) {
        let after = &rest[i + start.len()..];
        let j = after.find(end).expect("an element is closed");
        found.push(&after[..j]);
        rest = &after[j..];
    }
    found
}
