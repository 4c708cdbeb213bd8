//! What a field knows about its value, applied to the per-cell readings of [`super::HandReader`].
//!
//! Every function takes the cells' guesses (most likely first, probabilities calibrated) and returns the most
//! probable reading of **what was written**, with a confidence that is its posterior probability. The field's
//! rule (check digit, calendar, reference list) is a prior, not a certainty: people nearly always write a valid
//! number, so where the cells are unsure the rule decides between their readings; but a number written clearly
//! with a wrong check digit stays as written. Then the value is what the paper says, its confidence at most
//! [`FAILED_RULE_CAP`], and the reading the rule would accept travels beside it as a suggestion with its reason,
//! never as the value. A reading that differs from the cells' first choices is capped below the acceptance
//! level, so a person sees it.
//!
//! - [`read_field`]: one call for a comb field, by its charset and its `check` from the form definition.
//! - [`correct_identity`]: personnummer and samordningsnummer (check digit, month, day, birth year).
//! - [`correct_date`]: dates that exist (`ÅÅÅÅMMDD`).
//! - [`match_country`], [`match_county`], [`match_disease`], [`match_name`]: a written name against a list;
//!   [`list_spelling`]: the list's spelling of a name read without its diacritics.
//! - [`field_confidence`]: the plain product, for fields without a rule.

use super::super::chars::CellGuess;
use super::{N_CLASSES, NOISE, allowed, class_char};
use crate::domain::countries::Countries;
use crate::domain::diseases::Diseases;
use crate::domain::identity::check_personnummer;
use crate::forms::definition::{Charset, Check};
use crate::store::documents::Suggestion;
use crate::validation::parse_date;
use std::sync::OnceLock;

/// A reading changed by a field rule is capped at this confidence, below the 0.9 of automatic acceptance.
pub const CORRECTED_CAP: f32 = 0.85;
/// A value that its field's rule does not admit (kept as written) is trusted at most this much.
pub const FAILED_RULE_CAP: f32 = 0.5;
/// Prior odds of one particular string that breaks the field's rule against one that keeps it: about one written
/// number in a hundred is wrong, and for a check digit nine strings in ten break the rule.
const INVALID_PRIOR: f64 = 1e-3;
/// The rule decides only between readings of cells the reader is unsure of: a cell read at this or more is what
/// the paper says, and a number that then breaks the rule stays as written (with a suggestion).
pub const RULE_MAY_CHANGE_BELOW: f32 = 0.95;
/// A cell's alternative reading worth suggesting.
const PLAUSIBLE_ALTERNATIVE: f32 = 0.01;

/// The guess for one cell from its class probabilities: the charset's characters, most likely first, each with
/// its probability given that the cell holds one of them or no character.
pub fn guess(p: &[f32; N_CLASSES], charset: Charset) -> CellGuess {
    let total: f32 = (0..N_CLASSES)
        .filter(|&i| allowed(i, charset) || i == NOISE)
        .map(|i| p[i])
        .sum::<f32>()
        .max(1e-12);
    let mut candidates: Vec<(char, f32)> = (0..NOISE)
        .filter(|&i| allowed(i, charset))
        .filter_map(|i| class_char(i).map(|c| (c, p[i] / total)))
        .collect();
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
    CellGuess { candidates }
}

/// The product of the cells' first probabilities: the chance that every cell is read right, without rules.
pub fn field_confidence(guesses: &[CellGuess]) -> f32 {
    guesses
        .iter()
        .map(|g| g.best().map_or(0.0, |b| b.1))
        .product()
}

/// The cells' first choices.
pub fn first_reading(guesses: &[CellGuess]) -> String {
    guesses
        .iter()
        .filter_map(|g| g.best().map(|b| b.0))
        .collect()
}

/// A value for a field and how sure we are.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub text: String,
    pub confidence: f32,
    /// Cells where the value differs from the cell's first choice.
    pub changed: Vec<usize>,
    /// Why, in Swedish, for the person who verifies.
    pub notes: Vec<String>,
    /// The reading the rule would accept, when the value (as written) breaks it.
    pub suggestion: Option<Suggestion>,
}

/// A field's rule, as the reader weighs it.
#[derive(Clone, Copy)]
pub struct Rule {
    pub valid: fn(&str) -> bool,
    /// The share of readings beyond the listed ones (three or more cells changed) that the rule admits: it keeps
    /// the confidence honest when the listed readings hold little of the probability.
    pub unlisted_valid: f32,
    /// What a value that breaks the rule does wrong, in Swedish ("kontrollsiffran stämmer inte").
    pub broken: &'static str,
    /// The value the rule itself names for a written one that breaks it (the check digit that fits), suggested
    /// when no unsure cell explains the break.
    pub fix: Option<fn(&str) -> Option<String>>,
}

/// The most probable reading of what was written, among readings that change at most two cells to their second
/// or third choice, weighing each by the cells' probabilities and by the prior that it keeps the field's rule
/// (a reading that breaks it weighs [`INVALID_PRIOR`] as much). Only cells read below `may_change_below` may be
/// changed for the value (0: the cells' first choices stand). A value that breaks the rule gets a suggestion: the
/// most probable valid reading that changes only cells with a plausible alternative, else the rule's own fix.
/// None when there are no cells.
pub fn best_valid(guesses: &[CellGuess], rule: &Rule, may_change_below: f32) -> Option<Reading> {
    let Rule {
        valid,
        unlisted_valid,
        broken,
        fix,
    } = *rule;
    let n = guesses.len();
    if n == 0 || guesses.iter().any(|g| g.candidates.is_empty()) {
        return None;
    }
    let top: Vec<Vec<(char, f32)>> = guesses
        .iter()
        .map(|g| g.candidates.iter().take(3).copied().collect())
        .collect();
    let base: Vec<char> = top.iter().map(|t| t[0].0).collect();
    let base_p: Vec<f32> = top.iter().map(|t| t[0].1.max(1e-9)).collect();
    let base_score: f64 = base_p.iter().map(|&p| f64::from(p)).product();
    let mut listed = 0.0f64;
    let mut weighted_mass = 0.0f64;
    // The most probable valid reading that changes only unsure cells (a value), the most probable valid reading
    // of all (a suggestion), and the written reading weighed as breaking the rule.
    let mut best: Option<(f64, Vec<(usize, char)>)> = None;
    let mut best_any: Option<(f64, Vec<(usize, char)>)> = None;
    let mut base_invalid: Option<f64> = None;
    let unsure = |i: usize| base_p[i] < may_change_below;
    let mut consider = |changes: &[(usize, char, f32)]| {
        let mut score = base_score;
        let mut text = base.clone();
        for &(i, c, p) in changes {
            score *= f64::from(p) / f64::from(base_p[i]);
            text[i] = c;
        }
        listed += score;
        let s: String = text.iter().collect();
        let list: Vec<(usize, char)> = changes.iter().map(|&(i, c, _)| (i, c)).collect();
        if valid(&s) {
            weighted_mass += score;
            let plausible = changes.iter().all(|&(_, _, p)| p >= PLAUSIBLE_ALTERNATIVE);
            if plausible && best_any.as_ref().is_none_or(|b| score > b.0) {
                best_any = Some((score, list.clone()));
            }
            if changes.iter().all(|&(i, _, _)| unsure(i))
                && best.as_ref().is_none_or(|b| score > b.0)
            {
                best = Some((score, list));
            }
        } else {
            weighted_mass += score * INVALID_PRIOR;
            if changes.is_empty() {
                base_invalid = Some(score * INVALID_PRIOR);
            }
        }
    };
    consider(&[]);
    for (i, t) in top.iter().enumerate() {
        for &(c, p) in &t[1..] {
            consider(&[(i, c, p)]);
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            for &(ci, pi) in &top[i][1..] {
                for &(cj, pj) in &top[j][1..] {
                    consider(&[(i, ci, pi), (j, cj, pj)]);
                }
            }
        }
    }
    let unlisted = (1.0 - listed).max(0.0)
        * (f64::from(unlisted_valid) + (1.0 - f64::from(unlisted_valid)) * INVALID_PRIOR);
    let total = (weighted_mass + unlisted).max(1e-300);
    let apply = |changes: &[(usize, char)]| -> String {
        let mut text = base.clone();
        for &(i, c) in changes {
            text[i] = c;
        }
        text.into_iter().collect()
    };
    let as_written: String = base.iter().collect();
    // The written reading breaks the rule and is more probable than any reading that keeps it: the paper says
    // so. Keep it; what the rule would accept is only suggested.
    if let Some(w) = base_invalid
        && best.as_ref().is_none_or(|b| w >= b.0)
    {
        let suggestion = best_any
            .as_ref()
            .map(|(_, changes)| apply(changes))
            .or_else(|| fix.and_then(|f| f(&as_written)))
            .map(|value| Suggestion {
                reason: format!("Skrivet {as_written}: {broken}. Förslag: {value}"),
                value,
            });
        return Some(Reading {
            text: as_written,
            confidence: ((w / total) as f32).clamp(0.0, FAILED_RULE_CAP),
            changed: Vec::new(),
            notes: vec![format!("läst som skrivet: {broken}")],
            suggestion,
        });
    }
    let (score, changes) = best?;
    let mut confidence = (score / total) as f32;
    let mut changed = Vec::new();
    let mut notes = Vec::new();
    for &(i, _) in &changes {
        changed.push(i);
    }
    if !changed.is_empty() {
        confidence = confidence.min(CORRECTED_CAP);
        let cells: Vec<String> = changed.iter().map(|i| (i + 1).to_string()).collect();
        notes.push(format!(
            "osäker ruta {} läst med fältets regel: kontrollera",
            cells.join(", ")
        ));
    }
    Some(Reading {
        text: apply(&changes),
        confidence: confidence.clamp(0.0, 1.0),
        changed,
        notes,
        suggestion: None,
    })
}

/// A personnummer or samordningsnummer written in 12 cells (`ÅÅÅÅMMDDNNNK`): the most probable reading whose
/// check digit, month, day and birth year pass [`check_personnummer`]. When the cells' first choices fail, the
/// second and third choices of one or two cells are tried and a clearly best valid one is taken, with a lower
/// confidence (at most [`CORRECTED_CAP`]). Returns the 12 digits and the confidence; None if the field does not
/// hold 12 cells or no such reading passes.
pub fn correct_identity(guesses: &[CellGuess]) -> Option<(String, f32)> {
    identity_reading(guesses).map(|r| (r.text, r.confidence))
}

/// As [`correct_identity`], with the changed cells and notes.
pub fn identity_reading(guesses: &[CellGuess]) -> Option<Reading> {
    if guesses.len() != 12 {
        return None;
    }
    best_valid(guesses, &identity_rule(), RULE_MAY_CHANGE_BELOW)
}

/// A personnummer or samordningsnummer: check digit, month, day, birth year. About one in ten random digit
/// strings passes a Luhn check; the date parts pass about half the time.
fn identity_rule() -> Rule {
    fn valid(s: &str) -> bool {
        check_personnummer(s).is_ok()
    }
    /// The same number with the check digit that fits its other digits.
    fn fix(s: &str) -> Option<String> {
        let fixed = format!(
            "{}{}",
            s.get(..11)?,
            crate::domain::identity::luhn_check_digit(s.get(2..11)?)?
        );
        valid(&fixed).then_some(fixed)
    }
    Rule {
        valid,
        unlisted_valid: 0.05,
        broken: "kontrollsiffran eller datumdelen stämmer inte",
        fix: Some(fix),
    }
}

fn date_rule() -> Rule {
    fn valid(s: &str) -> bool {
        possible_date(s, last_possible_year())
    }
    Rule {
        valid,
        unlisted_valid: 0.5,
        broken: "datumet finns inte",
        fix: None,
    }
}

/// The cells' first choices as the value, weighed by the field's rule (identity numbers and dates; others as
/// read): what was written when a second reader reads the same characters, with a suggestion where the rule
/// disagrees.
pub fn as_written(guesses: &[CellGuess], check: Option<Check>) -> Reading {
    let rule = match check {
        Some(Check::Identitet | Check::Personnummer) if guesses.len() == 12 => {
            Some(identity_rule())
        }
        Some(Check::Date) if guesses.len() == 8 => Some(date_rule()),
        _ => None,
    };
    rule.as_ref()
        .and_then(|rule| best_valid(guesses, rule, 0.0))
        .unwrap_or_else(|| Reading {
            text: first_reading(guesses),
            confidence: field_confidence(guesses),
            changed: vec![],
            notes: vec![],
            suggestion: None,
        })
}

/// An HSA-id as its form has it: two letters, the organisation number in digits up to the hyphen, then letters
/// and digits as written. A typed 0 and O (1 and I, 5 and S) look alike to the classifier, which reads print
/// like handwriting: in the number part the digit is meant, in the prefix the letter.
pub fn hsa_id_shape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut before_hyphen = true;
    for (i, c) in text.chars().enumerate() {
        let c = if i < 2 {
            match c {
                '5' => 'S',
                '0' => 'O',
                '1' => 'I',
                '8' => 'B',
                '2' => 'Z',
                c => c,
            }
        } else if before_hyphen {
            match c {
                'O' | 'D' | 'Q' => '0',
                'I' | 'L' => '1',
                'S' => '5',
                'B' => '8',
                'Z' => '2',
                'G' => '6',
                c => c,
            }
        } else {
            c
        };
        before_hyphen &= c != '-';
        out.push(c);
    }
    out
}

/// A date written `ÅÅÅÅMMDD` in 8 cells: the most probable reading that is a date that exists (1900 or later,
/// [`parse_date`]) and lies at most in next year. Returns the 8 digits and the confidence; None if not 8 cells or no listed reading is a date.
pub fn correct_date(guesses: &[CellGuess]) -> Option<(String, f32)> {
    date_reading(guesses).map(|r| (r.text, r.confidence))
}

/// As [`correct_date`], with the changed cells and notes.
pub fn date_reading(guesses: &[CellGuess]) -> Option<Reading> {
    if guesses.len() != 8 {
        return None;
    }
    best_valid(guesses, &date_rule(), RULE_MAY_CHANGE_BELOW)
}

/// No date on a notification lies more than a year ahead (birth, onset, sampling, signing).
fn last_possible_year() -> i32 {
    crate::validation::swedish_today().year() + 1
}

/// A date `ÅÅÅÅMMDD` that exists ([`parse_date`]: 1900 or later) and lies at most in `last_year`.
fn possible_date(text: &str, last_year: i32) -> bool {
    text.len() == 8
        && text.chars().all(|c| c.is_ascii_digit())
        && parse_date(text).is_ok_and(|d| d.year() <= last_year)
}

/// A name matched against a list.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    /// The name as the list writes it.
    pub name: String,
    /// The name as the cells hold it: capitals, spaces and other signs left out.
    pub cells: String,
    pub confidence: f32,
    /// The share of the cells' own first reading as a value outside the list.
    pub outside: f32,
}

/// How a list name is written in comb cells: capitals, only the characters the classifier knows (É as E, Ü as
/// U), spaces and other signs left out. None if a letter has no such form.
fn cell_form(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.to_uppercase().chars() {
        match c {
            'É' | 'È' | 'Ê' => out.push('E'),
            'Ü' => out.push('U'),
            ' ' | '.' | ',' | '\'' | '(' | ')' | '/' => {}
            c if super::class_of(c).is_some() => out.push(c),
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The written name among `names` that best explains the cells. Each name of the same length in cells scores
/// the product of the cells' probabilities of its letters; a name longer than a full field is compared by its
/// beginning when `field_cells` says the comb was full. The confidence is the name's share of the total, with
/// the cells' own first reading kept as the alternative "not in the list" at prior `outside`.
pub fn match_name(
    guesses: &[CellGuess],
    names: &[String],
    field_cells: Option<usize>,
    outside: f32,
) -> Option<NameMatch> {
    let n = guesses.len();
    if n == 0 {
        return None;
    }
    let full = field_cells.is_some_and(|f| n >= f);
    let prob = |i: usize, c: char| -> f64 {
        guesses[i]
            .candidates
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(1e-6, |(_, p)| f64::from(*p).max(1e-6))
    };
    let free: f64 = guesses
        .iter()
        .map(|g| f64::from(g.best().map_or(1e-6, |b| b.1)))
        .product();
    let mut total = free * f64::from(outside);
    let mut best: Option<(f64, &String, String)> = None;
    for name in names {
        let Some(form) = cell_form(name) else {
            continue;
        };
        let chars: Vec<char> = form.chars().collect();
        let usable = chars.len() == n || (full && chars.len() > n);
        if !usable {
            continue;
        }
        let score: f64 = (0..n).map(|i| prob(i, chars[i])).product();
        total += score;
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, name, chars[..n].iter().collect()));
        }
    }
    let (score, name, cells) = best?;
    Some(NameMatch {
        name: name.clone(),
        cells,
        confidence: (score / total.max(1e-300)) as f32,
        outside: (free * f64::from(outside) / total.max(1e-300)) as f32,
    })
}

/// Country names (Swedish) from the reference data.
pub fn country_names() -> &'static [String] {
    static N: OnceLock<Vec<String>> = OnceLock::new();
    N.get_or_init(|| {
        Countries::embedded()
            .all()
            .iter()
            .map(|c| c.name_sv.clone())
            .collect()
    })
}

/// Disease names as they are written in a comb: the Swedish name, without a trailing "infektion", the part in
/// parentheses, and without a leading "infektion med".
pub fn disease_names() -> &'static [String] {
    static N: OnceLock<Vec<String>> = OnceLock::new();
    N.get_or_init(|| {
        let mut out = Vec::new();
        for d in Diseases::embedded().all() {
            let upper = d.name_sv.to_uppercase();
            out.push(upper.clone());
            if let Some(stem) = upper.strip_suffix("INFEKTION") {
                out.push(stem.trim().to_string());
            }
            if let Some(rest) = upper.strip_prefix("INFEKTION MED ") {
                out.push(rest.to_string());
            }
            if let (Some(a), Some(b)) = (upper.rfind('('), upper.rfind(')'))
                && a < b
            {
                out.push(upper[a + 1..b].to_string());
                out.push(upper[..a].trim().to_string());
            }
        }
        out.sort();
        out.dedup();
        out
    })
}

/// Counties as people write them in a comb: the short name, with "län" or "s län" after it, "Region" before
/// it, the other names a county goes by, and the beginnings (six letters or more) of all of these, since a long
/// name is cut where the comb ends or written short ("VÄSTRA GÖTA").
pub fn county_names() -> &'static [String] {
    static N: OnceLock<Vec<String>> = OnceLock::new();
    N.get_or_init(|| {
        use crate::validation::places::{COUNTIES, COUNTY_ALIASES};
        let mut whole = Vec::new();
        for (_, name) in COUNTIES.iter().chain(COUNTY_ALIASES.iter()) {
            let upper = name.to_uppercase();
            whole.push(format!("{upper} LÄN"));
            if !upper.ends_with('S') {
                whole.push(format!("{upper}S LÄN"));
            }
            whole.push(format!("REGION {upper}"));
            whole.push(upper);
        }
        let mut out = whole.clone();
        for name in &whole {
            let chars: Vec<char> = name.chars().collect();
            for end in 6..chars.len() {
                if chars[end - 1] != ' ' {
                    out.push(chars[..end].iter().collect());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    })
}

/// The spelling a reference list gives a value read without its diacritics or with the wrong ones ("SKANE",
/// "RUMANIEN", "VASTRA GOTA"): the list's cell form when exactly one differs from the value only so. A reader
/// that knows no Å, Ä or Ö (Tesseract with a narrow whitelist, a hand that leaves out the dots) then still
/// gives the name as the list writes it.
pub fn list_spelling(text: &str, check: Check) -> Option<String> {
    use crate::domain::text::fold;
    let names: &[String] = match check {
        Check::Country => country_names(),
        Check::Disease => disease_names(),
        Check::Lan => county_names(),
        _ => return None,
    };
    let key = fold(&cell_form(text)?);
    let mut found: Option<String> = None;
    for name in names {
        let Some(form) = cell_form(name) else {
            continue;
        };
        if fold(&form) == key {
            match &found {
                Some(f) if *f != form => return None,
                _ => found = Some(form),
            }
        }
    }
    found
}

/// The name of the field's reference list (country, disease, county) that best explains the cells.
pub fn list_match(guesses: &[CellGuess], check: Check, field_cells: usize) -> Option<NameMatch> {
    match check {
        Check::Country => match_country(guesses, field_cells),
        Check::Disease => match_disease(guesses, field_cells),
        Check::Lan => match_county(guesses, field_cells),
        _ => None,
    }
}

/// A county written in a comb of `field_cells` cells.
pub fn match_county(guesses: &[CellGuess], field_cells: usize) -> Option<NameMatch> {
    match_name(guesses, county_names(), Some(field_cells), 0.05)
}

/// A country written in a comb of `field_cells` cells.
pub fn match_country(guesses: &[CellGuess], field_cells: usize) -> Option<NameMatch> {
    match_name(guesses, country_names(), Some(field_cells), 0.05)
}

/// A disease written in a comb of `field_cells` cells.
pub fn match_disease(guesses: &[CellGuess], field_cells: usize) -> Option<NameMatch> {
    match_name(guesses, disease_names(), Some(field_cells), 0.05)
}

/// The posterior of a digit field under its rule, raised to this power: the cell probabilities are too sure of
/// real writing. Fitted on real people's digits that training never saw (`cargo run --release --features synth
/// --example field_calibration -- data/models/hand-v2.bin data/models/hand-v2-digits.bin 4000`, 8,000 fields on
/// a stream of their own): as computed, 25 of 5,572 fields read at >= 0.9 were wrong (general model alone);
/// with both models, cubed 4 of 4,453, to the 6th 2 of 3,453, to the 12th 0 of 2,475. Checked on the trainer's
/// separate validation stream in `data/models/hand-v2-reader.md`.
pub const DIGIT_FIELD_SHARPNESS: i32 = 12;

/// The product of the cells' probabilities in a digit field that no rule checks (telephone numbers, postal
/// codes, ages, birth years) is raised to this power. Real people's digits that training never saw, 10-digit
/// telephone numbers (`cargo run --release --features synth --example field_calibration --
/// data/models/hand-v2.bin data/models/hand-v2-digits.bin 4000 7000001 plain`, 4,000 fields): squared, 546
/// fields at 0.9 or more and 5 of them wrong; cubed 250 and 0 wrong; to the 6th 29 and 0 wrong. Short fields
/// (postal codes, birth years) reach 0.9 more easily, and a cell can be sure of the wrong digit (4 for 9, 5 for
/// 3), so the stricter power.
pub const PLAIN_DIGIT_SHARPNESS: i32 = 6;

fn sharpened(mut r: Reading) -> Reading {
    r.confidence = r.confidence.powi(DIGIT_FIELD_SHARPNESS);
    r
}

/// The value of a comb field from its cells' guesses, using the field's rule (`check` of the form definition:
/// personnummer and identitet, date, country and disease have one; other checks and none give the cells' first
/// choices and the squared product of their probabilities). `field_cells` is the number of cells the comb has.
/// Call it with the guesses of [`super::HandReader`] (cells in order, empty cells left out).
pub fn read_field(
    guesses: &[CellGuess],
    charset: Charset,
    check: Option<Check>,
    field_cells: usize,
) -> Reading {
    // Without a rule nothing catches a confident misreading: the product is raised to a power, so that a field
    // reaches 0.9 only when every cell is very sure (letters: squared, measured on the held-out writers with the
    // first model; digits: `PLAIN_DIGIT_SHARPNESS`).
    let exponent = if charset == Charset::Digits {
        PLAIN_DIGIT_SHARPNESS
    } else {
        2
    };
    let plain = || Reading {
        text: first_reading(guesses),
        confidence: field_confidence(guesses).powi(exponent),
        changed: vec![],
        notes: vec![],
        suggestion: None,
    };
    let failed = |what: &str| {
        let mut r = plain();
        r.confidence = r.confidence.min(FAILED_RULE_CAP);
        r.notes.push(what.to_string());
        r
    };
    let listed = |m: Option<NameMatch>, what: &str, missing: &str| match m {
        // The cells' own reading, outside the list, explains them better than any name of it: keep what was
        // written, suggest the nearest name.
        Some(m) if m.outside > m.confidence && m.cells != first_reading(guesses) => {
            let written = first_reading(guesses);
            let mut r = plain();
            r.confidence = r.confidence.min(m.outside).min(FAILED_RULE_CAP);
            r.notes.push(format!("{missing}: läst som skrivet"));
            r.suggestion = Some(Suggestion {
                reason: format!("Skrivet {written}: {missing}. Förslag: {}", m.name),
                value: m.cells,
            });
            r
        }
        Some(m) => Reading {
            changed: first_reading(guesses)
                .chars()
                .zip(m.cells.chars())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(i, _)| i)
                .collect(),
            notes: vec![format!("{what} läst som {}", m.name)],
            text: m.cells,
            confidence: m.confidence,
            suggestion: None,
        },
        None => failed(missing),
    };
    match check {
        Some(Check::Identitet | Check::Personnummer) if guesses.len() == 12 => {
            identity_reading(guesses).map(sharpened).unwrap_or_else(|| {
                failed("ingen läsning ger ett giltigt person- eller samordningsnummer")
            })
        }
        Some(Check::Date) if guesses.len() == 8 => date_reading(guesses)
            .map(sharpened)
            .unwrap_or_else(|| failed("ingen läsning ger ett datum som finns")),
        Some(Check::Country) => listed(
            match_country(guesses, field_cells),
            "landet",
            "inget land i listan",
        ),
        Some(Check::Lan) => listed(
            match_county(guesses, field_cells),
            "länet",
            "inget län i listan",
        ),
        Some(Check::Disease) => listed(
            match_disease(guesses, field_cells),
            "sjukdomen",
            "ingen sjukdom i listan",
        ),
        _ => plain(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sure(text: &str) -> Vec<CellGuess> {
        text.chars()
            .map(|c| CellGuess {
                candidates: vec![(c, 0.99), ('0', 0.005), ('1', 0.005)],
            })
            .collect()
    }

    #[test]
    fn a_digit_field_without_a_rule_is_sure_only_when_every_cell_is() {
        // Ten cells each at 0.995: squared, the product would pass 0.9; a cell sure of the wrong digit does that
        // on real writing.
        let g: Vec<CellGuess> = "0134616955"
            .chars()
            .map(|c| CellGuess {
                candidates: vec![(c, 0.995), ('8', 0.005)],
            })
            .collect();
        let phone = read_field(&g, Charset::Digits, Some(Check::Phone), 10);
        assert_eq!(phone.text, "0134616955");
        assert!(phone.confidence < 0.9, "{}", phone.confidence);
        // Letters keep the squared product.
        let letters: Vec<CellGuess> = "ABCDEFGHIJ"
            .chars()
            .map(|c| CellGuess {
                candidates: vec![(c, 0.995), ('X', 0.005)],
            })
            .collect();
        assert!(read_field(&letters, Charset::Letters, None, 10).confidence >= 0.9);
    }

    #[test]
    fn valid_identity_keeps_its_reading() {
        let (text, conf) = correct_identity(&sure("198112189876")).unwrap();
        assert_eq!(text, "198112189876");
        assert!(conf > 0.85, "{conf}");
    }

    #[test]
    fn one_misread_digit_is_corrected_from_its_runner_up() {
        let mut g = sure("198112189876");
        // The check digit cell read as 1, with 6 second.
        g[11] = CellGuess {
            candidates: vec![('1', 0.6), ('6', 0.35), ('7', 0.05)],
        };
        let r = identity_reading(&g).unwrap();
        assert_eq!(r.text, "198112189876");
        assert_eq!(r.changed, vec![11]);
        assert!(r.confidence <= CORRECTED_CAP);
    }

    #[test]
    fn a_clearly_written_wrong_check_digit_stays_as_written_with_a_suggestion() {
        // 19121212-1213 written clearly: no cell is unsure, the check digit should be 2.
        let clear = |text: &str| -> Vec<CellGuess> {
            text.chars()
                .map(|c| {
                    let other = if c == '1' { '7' } else { '1' };
                    CellGuess {
                        candidates: vec![(c, 0.998), (other, 0.0015), ('0', 0.0005)],
                    }
                })
                .collect()
        };
        let r = read_field(
            &clear("191212121213"),
            Charset::Digits,
            Some(Check::Identitet),
            12,
        );
        assert_eq!(r.text, "191212121213", "the value is what the paper says");
        assert!(r.confidence <= FAILED_RULE_CAP, "{}", r.confidence);
        let s = r.suggestion.expect("a suggestion beside it");
        assert!(check_personnummer(&s.value).is_ok(), "{s:?}");
        assert_ne!(s.value, r.text);
        assert!(s.reason.contains("kontrollsiffran"), "{}", s.reason);
    }

    #[test]
    fn a_field_a_list_does_not_explain_keeps_its_reading() {
        let r = read_field(
            &sure("ATLANTIS"),
            Charset::Letters,
            Some(Check::Country),
            14,
        );
        assert_eq!(r.text, "ATLANTIS");
        assert!(r.confidence <= FAILED_RULE_CAP);
        // A name the list holds, read with one unsure letter, is read as the list writes it.
        let mut g = sure("NORGE");
        g[1] = CellGuess {
            candidates: vec![('D', 0.5), ('O', 0.45), ('Q', 0.05)],
        };
        let r = read_field(&g, Charset::Letters, Some(Check::Country), 14);
        assert_eq!(r.text, "NORGE");
        assert!(r.suggestion.is_none());
    }

    #[test]
    fn dates_that_do_not_exist_are_avoided() {
        let mut g = sure("20250228");
        g[7] = CellGuess {
            candidates: vec![('9', 0.55), ('8', 0.4), ('0', 0.05)],
        };
        let r = date_reading(&g).unwrap();
        assert_eq!(r.text, "20250228");
    }

    #[test]
    fn a_county_is_found_from_a_misread_first_letter_and_cut_names() {
        // J read as T with G a close second: the list knows only GOTLAND.
        let mut g = sure("JOTLAND");
        g[0] = CellGuess {
            candidates: vec![('J', 0.6), ('G', 0.35), ('T', 0.05)],
        };
        let m = match_county(&g, 12).unwrap();
        assert_eq!(m.cells, "GOTLAND");
        assert_eq!(m.name, "GOTLAND");
        // Written short where the comb ends, the space left as an empty cell.
        let m = match_county(&sure("VÄSTRAGÖTA"), 12).unwrap();
        assert_eq!(m.cells, "VÄSTRAGÖTA");
        assert!(m.confidence > 0.9, "{m:?}");
        let m = match_county(&sure("JÖNKÖPINGSLÄN"), 14).unwrap();
        assert_eq!(m.name, "JÖNKÖPINGS LÄN");
    }

    #[test]
    fn names_read_without_their_dots_get_the_lists_spelling() {
        assert_eq!(list_spelling("SKANE", Check::Lan).as_deref(), Some("SKÅNE"));
        assert_eq!(
            list_spelling("SKANELAN", Check::Lan).as_deref(),
            Some("SKÅNELÄN")
        );
        assert_eq!(
            list_spelling("RUMANIEN", Check::Country).as_deref(),
            Some("RUMÄNIEN")
        );
        assert_eq!(
            list_spelling("VASTRAGOTA", Check::Lan).as_deref(),
            Some("VÄSTRAGÖTA")
        );
        assert_eq!(
            list_spelling("UPPSALA", Check::Lan).as_deref(),
            Some("UPPSALA")
        );
        // Not a name of the list, or no list: left alone.
        assert_eq!(list_spelling("OSLO", Check::Lan), None);
        assert_eq!(list_spelling("SKANE", Check::Date), None);
    }

    #[test]
    fn a_country_is_found() {
        let g = sure("NORGE");
        let m = match_country(&g, 14).unwrap();
        assert_eq!(m.name, "Norge");
        assert!(m.confidence > 0.9);
    }

    #[test]
    fn an_hsa_id_reads_digits_in_its_number_and_letters_in_its_prefix() {
        assert_eq!(hsa_id_shape("SE23210OO065-E98G"), "SE2321000065-E98G");
        assert_eq!(hsa_id_shape("5E2321OOOI6-3MKB"), "SE232100016-3MKB");
        assert_eq!(
            hsa_id_shape("SE165565594230-WEBCERT00001"),
            "SE165565594230-WEBCERT00001"
        );
        assert_eq!(hsa_id_shape(""), "");
    }
}
