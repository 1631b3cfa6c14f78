//! Splits an SQL script into statements the way psql does: a `;` ends a statement unless it
//! is inside a comment, a quoted string or identifier, a dollar-quoted body, or the
//! BEGIN ... END of a SQL-standard function body (`BEGIN ATOMIC`, with CASE ... END inside).

/// One statement with the comments and blank lines before it.
#[derive(Debug, PartialEq, Eq)]
pub struct Statement<'a> {
    /// Comments and blank lines between the previous statement and this one.
    pub lead: &'a str,
    /// The statement from its first word through its `;`, and the rest of that line when that
    /// is only blanks or a comment.
    pub text: &'a str,
    /// Its first (up to) four words, upper-cased: what it is, whatever comments sit between them.
    pub head: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct SplitError {
    pub line: usize,
    pub message: &'static str,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The statements of `sql`, and what follows the last one (comments, blank lines).
/// An unterminated comment, string, body or statement is an error naming its line.
pub fn statements(sql: &str) -> Result<(Vec<Statement<'_>>, &str), SplitError> {
    let b = sql.as_bytes();
    let line_of = |at: usize| sql[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let (mut chunk_start, mut stmt_start) = (0, None::<usize>);
    let mut words = Words::default();
    let mut parens = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if sql[i..].starts_with("--") {
            i = sql[i..].find('\n').map_or(b.len(), |n| i + n + 1);
            continue;
        }
        if sql[i..].starts_with("/*") {
            i = block_comment_end(sql, i).ok_or(SplitError {
                line: line_of(i),
                message: "unterminated /* comment",
            })?;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = *stmt_start.get_or_insert(i);
        match c {
            b'\'' | b'"' => {
                i = quoted_end(b, i).ok_or(SplitError {
                    line: line_of(i),
                    message: "unterminated quoted string or identifier",
                })?;
            }
            b'$' if dollar_tag(&sql[i..]).is_some() => {
                let tag = dollar_tag(&sql[i..]).unwrap_or_default();
                let body = i + tag.len();
                let end = sql[body..].find(tag).ok_or(SplitError {
                    line: line_of(i),
                    message: "unterminated dollar-quoted string",
                })?;
                i = body + end + tag.len();
            }
            b'(' => {
                parens += 1;
                i += 1;
            }
            b')' => {
                parens = parens.saturating_sub(1);
                i += 1;
            }
            b';' if parens == 0 && words.depth == 0 => {
                // A comment after the `;` on its line stays with the statement.
                let eol = sql[i..].find('\n').map_or(b.len(), |n| i + n + 1);
                let tail = sql[i + 1..eol].trim_start();
                let end = if tail.is_empty() || tail.starts_with("--") {
                    eol
                } else {
                    i + 1
                };
                out.push(Statement {
                    lead: &sql[chunk_start..start],
                    text: &sql[start..end],
                    head: std::mem::take(&mut words.first),
                });
                (chunk_start, stmt_start, words, i) = (end, None, Words::default(), end);
            }
            b'E' | b'e' if b.get(i + 1) == Some(&b'\'') => {
                i = escaped_end(b, i + 1).ok_or(SplitError {
                    line: line_of(i),
                    message: "unterminated E'' string",
                })?;
            }
            // Identifiers, as PostgreSQL reads them: any byte from 0x80 up is a letter, so
            // a UTF-8 character is never split (and `i` stays on a character boundary).
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let len = b[i..]
                    .iter()
                    .position(|&x| {
                        !(x.is_ascii_alphanumeric() || x == b'_' || x == b'$' || x >= 0x80)
                    })
                    .unwrap_or(b.len() - i);
                words.push(&sql[i..i + len], parens);
                i += len;
            }
            _ => i += 1, // ASCII punctuation and digits
        }
    }
    if let Some(start) = stmt_start {
        return Err(SplitError {
            line: line_of(start),
            message: "statement without a closing ;",
        });
    }
    Ok((out, &sql[chunk_start..]))
}

/// psql's rule for SQL-standard bodies: inside CREATE FUNCTION or PROCEDURE, BEGIN opens a
/// block, and within a block CASE opens one too; END closes one. Words inside parentheses
/// (an argument named `begin`, a parenthesised CASE) do not count, nor does a `;` there.
#[derive(Default)]
struct Words {
    first: Vec<String>,
    depth: usize,
}

impl Words {
    fn push(&mut self, word: &str, parens: usize) {
        let word = word.to_ascii_uppercase();
        let head: Vec<&str> = self.first.iter().map(String::as_str).collect();
        let routine = matches!(
            head.as_slice(),
            ["CREATE", "FUNCTION" | "PROCEDURE", ..]
                | ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE", ..]
        );
        if routine && parens == 0 {
            match word.as_str() {
                "BEGIN" => self.depth += 1,
                "CASE" if self.depth > 0 => self.depth += 1,
                "END" if self.depth > 0 => self.depth -= 1,
                _ => {}
            }
        }
        if self.first.len() < 4 {
            self.first.push(word);
        }
    }
}

fn block_comment_end(sql: &str, start: usize) -> Option<usize> {
    // PostgreSQL's block comments nest.
    let (mut depth, mut i) = (0usize, start);
    while i < sql.len() {
        if sql[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if sql[i..].starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += sql[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    None
}

fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let q = b[start];
    let mut i = start + 1;
    while i < b.len() {
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2; // a doubled quote stands for itself
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// The end of an E'' string, whose backslash escapes the next byte.
fn escaped_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// `$$` or `$tag$` at the start of `s` (a tag is an identifier without `$`).
fn dollar_tag(s: &str) -> Option<&str> {
    let rest = &s[1..];
    let close = rest.find('$')?;
    let tag = &rest[..close];
    // Like an identifier (any non-ASCII character is a letter), without `$` and not
    // starting with a digit: `$1` is a parameter.
    let ok = tag.is_empty()
        || (tag.starts_with(|c: char| c.is_alphabetic() || c == '_' || !c.is_ascii())
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || !c.is_ascii()));
    ok.then(|| &s[..close + 2])
}
