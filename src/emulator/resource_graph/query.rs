//! The Resource Graph queries the emulator understands: exactly these stages, in this order, each
//! optional but the first:
//!
//! ```text
//! Resources
//! | where type =~ '<type>'
//! | where subscriptionId in ('<id>', ...)
//! | where location =~ '<region>'
//! | project <column>, ...
//! | order by name [asc|desc]
//! ```
//!
//! Anything else is refused with [`SUPPORTED`] in the message.

/// What the emulator answers, for error messages and the README.
pub const SUPPORTED: &str = "Resources | where type =~ '<type>' [| where subscriptionId in ('<id>', ...)] \
[| where location =~ '<region>'] [| project <columns>] [| order by name asc|desc], with columns id, name, type, \
location, resourceGroup, subscriptionId, tags, sku, properties, zones";

/// A column of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Id,
    Name,
    Type,
    Location,
    ResourceGroup,
    SubscriptionId,
    Tags,
    Sku,
    Properties,
    Zones,
}

impl Column {
    /// Every column, in the order a query without `project` returns them.
    pub const ALL: [Column; 10] = [
        Column::Id,
        Column::Name,
        Column::Type,
        Column::Location,
        Column::ResourceGroup,
        Column::SubscriptionId,
        Column::Tags,
        Column::Sku,
        Column::Properties,
        Column::Zones,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Name => "name",
            Column::Type => "type",
            Column::Location => "location",
            Column::ResourceGroup => "resourceGroup",
            Column::SubscriptionId => "subscriptionId",
            Column::Tags => "tags",
            Column::Sku => "sku",
            Column::Properties => "properties",
            Column::Zones => "zones",
        }
    }

    /// The column's type in a `table` result.
    pub fn kind(self) -> &'static str {
        match self {
            Column::Tags | Column::Sku | Column::Properties | Column::Zones => "object",
            _ => "string",
        }
    }

    /// Column names are case-sensitive in Resource Graph (KQL).
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The resource type asked for, lower-cased.
    pub kind: String,
    /// `where subscriptionId in (...)`.
    pub subscriptions: Option<Vec<String>>,
    /// `where location =~ '...'`.
    pub location: Option<String>,
    /// `project ...`: the columns, in the order given; every column when absent.
    pub columns: Vec<Column>,
    /// `order by name`: `Some(true)` ascending; `None`: by id.
    pub name_ascending: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    Op(&'static str),
}

/// Splits a stage into words, quoted strings and `=~ ( ) ,`.
fn lex(stage: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = stage.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '\'' | '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(ch) => s.push(ch),
                        None => return Err(format!("a string is not closed: {stage}")),
                    }
                }
                out.push(Tok::Str(s));
            }
            '(' | ')' | ',' => {
                chars.next();
                out.push(Tok::Op(match c {
                    '(' => "(",
                    ')' => ")",
                    _ => ",",
                }));
            }
            '=' => {
                chars.next();
                if chars.next() != Some('~') {
                    return Err(format!("only the =~ comparison is supported: {stage}"));
                }
                out.push(Tok::Op("=~"));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut w = String::new();
                while let Some(&ch) = chars.peek().filter(|ch| ch.is_ascii_alphanumeric() || **ch == '_' || **ch == '.')
                {
                    w.push(ch);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
            other => return Err(format!("'{other}' is not supported: {stage}")),
        }
    }
    Ok(out)
}

/// Splits the query at the `|` outside quotes.
fn stages(query: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let (mut start, mut quote) = (0, None);
    for (i, c) in query.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('|', None) => {
                out.push(query[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return Err("a string is not closed".into());
    }
    out.push(query[start..].trim());
    Ok(out)
}

fn word(t: &Tok, want: &str) -> bool {
    matches!(t, Tok::Word(w) if w == want)
}

/// Parses `query`; `Err` says what is wrong (the caller adds [`SUPPORTED`]).
pub fn parse(query: &str) -> Result<Query, String> {
    let stages = stages(query)?;
    let table = stages.first().copied().unwrap_or("");
    if !table.eq_ignore_ascii_case("resources") {
        return Err(format!("the query must start with the table 'Resources', not '{table}'"));
    }
    let mut q =
        Query { kind: String::new(), subscriptions: None, location: None, columns: Vec::new(), name_ascending: None };
    let mut rank = 0;
    for stage in &stages[1..] {
        let toks = lex(stage)?;
        let this = match toks.as_slice() {
            [w, c, Tok::Op("=~"), Tok::Str(t)] if word(w, "where") && word(c, "type") && rank < 1 => {
                q.kind = t.to_ascii_lowercase();
                1
            }
            [w, c, i, Tok::Op("("), rest @ ..]
                if word(w, "where") && word(c, "subscriptionId") && word(i, "in") && rank == 1 =>
            {
                q.subscriptions = Some(string_list(rest, stage)?);
                2
            }
            [w, c, Tok::Op("=~"), Tok::Str(l)] if word(w, "where") && word(c, "location") && (1..3).contains(&rank) => {
                q.location = Some(l.clone());
                3
            }
            [p, rest @ ..] if word(p, "project") && (1..4).contains(&rank) => {
                q.columns = columns(rest, stage)?;
                4
            }
            [o, b, n, dir @ ..] if word(o, "order") && word(b, "by") && word(n, "name") && (1..5).contains(&rank) => {
                q.name_ascending = Some(match dir {
                    [] => false,
                    [d] if word(d, "asc") => true,
                    [d] if word(d, "desc") => false,
                    _ => return Err(format!("'{stage}': order by name takes asc or desc")),
                });
                5
            }
            _ => return Err(format!("the stage '{stage}' is not supported here")),
        };
        rank = this;
    }
    if rank == 0 {
        return Err("the query must filter on the type first: | where type =~ '<type>'".into());
    }
    if q.columns.is_empty() {
        q.columns = Column::ALL.to_vec();
    }
    Ok(q)
}

/// `'a', 'b')`: the strings of an `in (...)` list, after its `(`.
fn string_list(toks: &[Tok], stage: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = toks;
    loop {
        match rest {
            [Tok::Str(s), Tok::Op(","), more @ ..] => {
                out.push(s.clone());
                rest = more;
            }
            [Tok::Str(s), Tok::Op(")")] => {
                out.push(s.clone());
                return Ok(out);
            }
            _ => return Err(format!("'{stage}': expected a list of quoted subscription ids in parentheses")),
        }
    }
}

/// `a, b, c`: the columns of a `project`.
fn columns(toks: &[Tok], stage: &str) -> Result<Vec<Column>, String> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match (i % 2, t) {
            (0, Tok::Word(w)) => {
                let c = Column::parse(w).ok_or_else(|| format!("unknown column '{w}' in '{stage}'"))?;
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            (1, Tok::Op(",")) => {}
            _ => return Err(format!("'{stage}': expected column names separated by commas")),
        }
    }
    if out.is_empty() || toks.len().is_multiple_of(2) {
        return Err(format!("'{stage}': expected column names separated by commas"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shapes_parse() {
        let q = parse(
            "Resources | where type =~ 'Microsoft.Cache/Redis' | where subscriptionId in ('a', \"b\") \
             | where location =~ 'East US' | project id, name, location | order by name asc",
        )
        .unwrap();
        assert_eq!(q.kind, "microsoft.cache/redis");
        assert_eq!(q.subscriptions, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(q.location.as_deref(), Some("East US"));
        assert_eq!(q.columns, vec![Column::Id, Column::Name, Column::Location]);
        assert_eq!(q.name_ascending, Some(true));

        let q = parse("resources|where type=~'microsoft.cache/redis'|order by name").unwrap();
        assert_eq!((q.columns.len(), q.name_ascending), (10, Some(false)));
        assert_eq!(
            parse("Resources | where type =~ 'x' | where location =~ 'eastus'").unwrap().location.unwrap(),
            "eastus"
        );
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for (query, says) in [
            ("Resources", "filter on the type"),
            ("ResourceContainers | where type =~ 'x'", "'Resources'"),
            ("Resources | where type == 'x'", "=~"),
            ("Resources | where type =~ 'x' | project id, secret", "unknown column 'secret'"),
            ("Resources | where type =~ 'x' | project", "column names"),
            ("Resources | where type =~ 'x' | project id,", "column names"),
            ("Resources | where type =~ 'x' | order by name asc | project id", "not supported"),
            ("Resources | where type =~ 'x' | where location =~ 'a' | where subscriptionId in ('s')", "not supported"),
            ("Resources | where type =~ 'x' | where subscriptionId in ('s'", "quoted subscription ids"),
            ("Resources | where type =~ 'x' | summarize count() by location", "not supported"),
            ("Resources | where type =~ 'x | y", "not closed"),
            ("Resources | where type =~ 'x' | order by name up", "asc or desc"),
        ] {
            let err = parse(query).unwrap_err();
            assert!(err.contains(says), "{query}: {err}");
        }
    }
}
