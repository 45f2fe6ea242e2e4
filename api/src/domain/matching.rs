//! Duplicate and channel-conflict matching for deal registrations: how a prospect's company name
//! and web domain are normalised, compared, and reduced to the index keys that find candidates.
//!
//! Everything here is pure and cheap, because the registration form asks on every keystroke.

/// Legal forms, in normalised words, that say how a company is incorporated rather than which
/// company it is. Multi-word forms are listed where their words are not forms on their own
/// ("sp z oo", "sdn bhd") or where a dotted form was written with spaces ("S. A." → "s a");
/// forms made of words that are each listed ("gmbh and co kg", "pty ltd") come off one by one.
///
/// "holding"/"holdings" are here on purpose: a channel conflict is about the customer group, and
/// "Acme Holdings" is the same group as "Acme". A needless review costs less than two partners
/// unknowingly selling to one customer.
const LEGAL_FORMS: &[&[&str]] = &[
    &["inc"],
    &["incorporated"],
    &["ltd"],
    &["limited"],
    &["llc"],
    &["pllc"],
    &["llp"],
    &["lp"],
    &["plc"],
    &["gmbh"],
    &["mbh"],
    &["ag"],
    &["kg"],
    &["kgaa"],
    &["ohg"],
    &["ug"],
    &["se"],
    &["sa"],
    &["sas"],
    &["sau"],
    &["sarl"],
    &["srl"],
    &["spa"],
    &["bv"],
    &["bvba"],
    &["nv"],
    &["ab"],
    &["as"],
    &["asa"],
    &["aps"],
    &["oy"],
    &["oyj"],
    &["kk"],
    &["co"],
    &["cie"],
    &["company"],
    &["corp"],
    &["corporation"],
    &["pty"],
    &["pte"],
    &["ltda"],
    &["lda"],
    &["sl"],
    &["kft"],
    &["zrt"],
    &["sro"],
    &["spzoo"],
    &["jsc"],
    &["pjsc"],
    &["holding"],
    &["holdings"],
    &["pao"],
    &["oao"],
    &["zao"],
    &["ooo"],
    // Japanese and Chinese forms as transliterated: 株式会社, 有限会社, 合同会社, 有限公司, 股份有限公司.
    &["zhu", "shi", "hui", "she"],
    &["you", "xian", "hui", "she"],
    &["he", "tong", "hui", "she"],
    &["you", "xian", "gong", "si"],
    &["gu", "fen", "you", "xian", "gong", "si"],
    &["and", "co"],
    &["and", "cie"],
    &["et", "cie"],
    &["and", "company"],
    &["sp", "z", "oo"],
    &["sp", "zoo"],
    &["sdn", "bhd"],
    &["s", "a"],
    &["s", "l"],
    &["a", "g"],
    &["a", "s"],
    &["b", "v"],
    &["n", "v"],
    &["k", "k"],
    &["s", "p", "a"],
    &["s", "r", "l"],
    &["s", "r", "o"],
    &["s", "a", "s"],
    &["s", "a", "r", "l"],
];

/// Normalised company name: transliterated to ASCII (ß→ss, Ø→O, ü→u), lowercase, "&" → "and",
/// punctuation removed, single spaces, no leading "the", no legal-form suffixes.
///
/// Dots, apostrophes and slashes join what they separate ("S.A." → "sa", "A/S" → "as",
/// "McDonald's" → "mcdonalds"), so dotted legal forms meet their plain spelling; every other
/// punctuation mark separates words ("Coca-Cola" → "coca cola"). Legal forms come off only while
/// a word remains, so a company named "Limited" keeps its name (an empty one would match
/// nothing), and "The Limited Inc." is the same company as "The Limited".
pub fn normalise_company(name: &str) -> String {
    let ascii = deunicode::deunicode_with_tofu_cow(name, " ");
    let words = ascii_words(&ascii);
    let words: Vec<&str> = words.split(' ').filter(|w| !w.is_empty()).collect();
    let leading_the = words.iter().take_while(|w| **w == "the").count();
    let words = &words[leading_the.min(words.len().saturating_sub(1))..];
    words[..without_legal_forms(words)].join(" ")
}

/// Lowercase ASCII letters and digits with single spaces between words, possibly with a
/// leading or trailing space.
fn ascii_words(ascii: &str) -> String {
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '.' | '\'' | '`' | '/' => {}
            '&' => push_word(&mut out, "and"),
            _ => push_space(&mut out),
        }
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    push_space(out);
    out.push_str(word);
    out.push(' ');
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// How many leading words remain once legal forms are taken off the end, longest form first and
/// repeatedly ("gmbh and co kg" goes as "kg", then "and co", then "gmbh"), but never the last word.
fn without_legal_forms(words: &[&str]) -> usize {
    let mut kept = words.len();
    while let Some(len) = LEGAL_FORMS
        .iter()
        .filter(|form| form.len() < kept && words[..kept].ends_with(form))
        .map(|form| form.len())
        .max()
    {
        kept -= len;
    }
    kept
}

/// The registrable domain (eTLD+1 by the public suffix list) of a URL, host or email address:
/// "https://bob@Shop.Acme.co.uk:8443/x?y" and "bob@sales.acme.co.uk" both give "acme.co.uk".
///
/// Internationalised names come back in punycode whichever way they were typed, so
/// "münchen.de" and "xn--mnchen-3ya.de" are the same domain. None for empty input, IP addresses,
/// bare public suffixes ("co.uk"), hosts under no known suffix ("intranet", "acme.invalid"), and
/// anything that is not a host name.
pub fn registrable_domain(input: &str) -> Option<String> {
    let host = host_part(input.trim())?.trim_end_matches('.');
    let url::Host::Domain(host) = url::Host::parse(host).ok()? else {
        return None;
    };
    let domain = psl::domain(host.as_bytes())?;
    if !domain.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(domain.trim().as_bytes())
        .ok()
        .map(str::to_owned)
}

/// The host of a URL, host or email address, with scheme, userinfo, port and path cut off.
/// None for a bracketed IPv6 literal.
fn host_part(input: &str) -> Option<&str> {
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    let rest = rest.strip_prefix("mailto:").unwrap_or(rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    if host.starts_with('[') {
        return None;
    }
    host.split(':').next().filter(|host| !host.is_empty())
}

/// What a prospect is compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'a> {
    /// The company name, already through [`normalise_company`].
    pub name: &'a str,
    /// The web domain, already through [`registrable_domain`].
    pub domain: Option<&'a str>,
}

/// Why two prospects are taken for the same company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    SameDomain,
    SameName,
    SimilarName,
}

/// A verdict that two prospects are the same company, with its confidence in `0..=1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub reason: Reason,
    pub score: f64,
}

/// The score at or above which two names are called similar.
///
/// 0.9 sits in the gap the test table shows. One typo in a name of six letters or more scores
/// 0.91 or better ("Globex"/"Glpbex" 0.91, "Initech"/"Inittech" 0.975), while what a channel
/// manager calls another company stays at 0.86 or below: a name against itself plus a word
/// ("Initrode"/"Initrode Global" 0.86, "Nestle"/"Nestle Waters" 0.83), near-homonyms
/// ("Siemens"/"Simmons" 0.85), and one-letter differences in names of three or four letters,
/// which are more often other companies than typos ("IBM"/"IBN" 0.82, "Acme"/"Acne" 0.87).
pub const SIMILAR_AT: f64 = 0.9;

/// Jaro-Winkler similarity of two normalised names, in `0..=1`.
///
/// Names of the same number of words are compared word by word and score as their least alike
/// pair: "Acme Logistics" and "Acme Robotics" share a brand word, but a different second word
/// makes a different business, however long the common prefix.
///
/// Names of different word counts are compared with their spaces removed, so a word split or
/// joined by mistake ("Coca Cola"/"CocaCola") costs nothing, and by plain Jaro: Winkler's bonus
/// rewards a common prefix, which is exactly what a name and that name with another word after
/// it have ("Nestle"/"Nestle Waters" would score 0.9 with it, 0.83 without).
pub fn name_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let words = |s: &str| s.split(' ').count();
    if words(a) == words(b) {
        a.split(' ')
            .zip(b.split(' '))
            .map(|(x, y)| strsim::jaro_winkler(x, y))
            .fold(1.0, f64::min)
    } else {
        strsim::jaro(&a.replace(' ', ""), &b.replace(' ', ""))
    }
}

/// The verdict for a pair: the same domain (score 1) beats the same name (score 1), which beats
/// a similar name (score at least [`SIMILAR_AT`]); otherwise None.
///
/// A similar name must also share a name key of [`blocking_keys`]: candidates are only ever found
/// through those keys, and a verdict the index could never have produced would make the same
/// pair match when compared directly and not when looked up.
pub fn compare(a: &Subject, b: &Subject) -> Option<Match> {
    let same = |reason| Some(Match { reason, score: 1.0 });
    match (a.domain, b.domain) {
        (Some(x), Some(y)) if !x.is_empty() && x == y => return same(Reason::SameDomain),
        _ => {}
    }
    if a.name.is_empty() || b.name.is_empty() {
        return None;
    }
    if a.name == b.name {
        return same(Reason::SameName);
    }
    if !share_name_key(a.name, b.name) {
        return None;
    }
    let score = name_similarity(a.name, b.name);
    (score >= SIMILAR_AT).then_some(Match {
        reason: Reason::SimilarName,
        score,
    })
}

/// Letters taken from the start of a name for its prefix and skeleton keys: enough to keep a
/// key's rows few in a table of millions, few enough that a typo later in the name still meets.
const KEY_CHARS: usize = 4;

/// A skeleton shorter than this ("acme" → "cm") would gather every name with those consonants
/// up front; the prefix key covers such short names.
const MIN_SKELETON: usize = 3;

/// The longest key, so that a key fits the indexed column.
const MAX_KEY_BYTES: usize = 64;

/// The indexed blocking keys of a subject, at most four, each at most 64 bytes:
///
/// - `d:` the registrable domain, for [`Reason::SameDomain`];
/// - `n:` the whole name, for [`Reason::SameName`];
/// - `p:` the first four letters of the name without spaces, which typos further on keep;
/// - `c:` the first four letters of its consonant skeleton (spaces and vowels dropped, doubled
///   letters single), which typos among the vowels and doubled letters up front keep.
///
/// Any pair [`compare`] calls a match shares one: equal domains and equal names give equal
/// (equally truncated) keys, and a similar name is only called similar when it shares a `p:` or
/// `c:` key.
pub fn blocking_keys(s: &Subject) -> Vec<String> {
    let mut keys = Vec::with_capacity(4);
    if let Some(domain) = s.domain.filter(|d| !d.is_empty()) {
        keys.push(key("d:", domain.chars()));
    }
    if !s.name.is_empty() {
        keys.push(key("n:", s.name.chars()));
    }
    if has_prefix(s.name) {
        keys.push(key("p:", prefix(s.name)));
    }
    if has_skeleton(s.name) {
        keys.push(key("c:", skeleton(s.name).take(KEY_CHARS)));
    }
    keys
}

/// Whether two names share a `p:` or `c:` key, without building the keys.
fn share_name_key(a: &str, b: &str) -> bool {
    (has_prefix(a) && prefix(a).eq(prefix(b)))
        || (has_skeleton(a) && skeleton(a).take(KEY_CHARS).eq(skeleton(b).take(KEY_CHARS)))
}

fn has_prefix(name: &str) -> bool {
    prefix(name).next().is_some()
}

fn has_skeleton(name: &str) -> bool {
    skeleton(name).nth(MIN_SKELETON - 1).is_some()
}

fn prefix(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars().filter(|c| *c != ' ').take(KEY_CHARS)
}

/// The name's consonants and digits in order, spaces and vowels dropped and repeats made single:
/// "inittech" and "initech" both give "ntch".
fn skeleton(name: &str) -> impl Iterator<Item = char> + '_ {
    let mut last = None;
    name.chars()
        .filter(|c| !matches!(c, ' ' | 'a' | 'e' | 'i' | 'o' | 'u' | 'y'))
        .filter(move |c| last.replace(*c) != Some(*c))
}

/// A key of the tag and as many of the characters as fit in [`MAX_KEY_BYTES`].
fn key(tag: &str, chars: impl Iterator<Item = char>) -> String {
    let mut key = String::from(tag);
    for c in chars {
        if key.len() + c.len_utf8() > MAX_KEY_BYTES {
            break;
        }
        key.push(c);
    }
    key
}

#[cfg(test)]
mod tests;
