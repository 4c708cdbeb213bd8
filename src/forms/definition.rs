//! The form definition as written in `forms/*.toml`: what a person reviews. Geometry is derived from it by
//! [`super::layout`]; nothing here is in page coordinates except an explicit `at`.

use serde::{Deserialize, Serialize};

/// The most comb cells one field may have: more than an A4 page holds at the smallest cell size.
pub const MAX_COMB_CELLS: usize = 1000;
/// More option columns than this fit no A4 line.
pub const MAX_CHOICE_COLUMNS: usize = 12;

/// One file under `forms/`: one form in one version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Stable name used on the command line and in URLs (`klinisk`).
    pub form: String,
    pub version: u32,
    /// Two characters of the form-ID alphabet naming the form inside every ID (`KA`). Never reused.
    pub code: String,
    pub kind: FormKind,
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    /// The legal basis printed in the header ("Smittskyddslagen (2004:168) 2 kap. 5 §").
    #[serde(default)]
    pub legal_basis: String,
    /// Disease ids (see `data/diseases.csv`) that this form is for. Empty for forms that take any disease.
    #[serde(default)]
    pub diseases: Vec<String>,
    /// True for the STI/HIV forms: no name, no address, no full personnummer, no source.
    #[serde(default)]
    pub sti_rule: bool,
    /// The instructions tell the reporter to send the form "senast dagen efter": the deadline of a case
    /// notification (SmF 3 §). No source gives one for paragraph notifications, whose later versions set this to
    /// false (version 1 printed it and stays as printed).
    #[serde(default = "yes")]
    pub deadline_next_day: bool,
    #[serde(default)]
    pub style: Style,
    #[serde(rename = "page")]
    pub pages: Vec<PageDefinition>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleDefinition>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FormKind {
    /// A notification form of its own.
    Main,
    /// Extra page(s) printed after a main form for diseases with their own questions; read with the main form.
    Supplement,
}

/// Sizes every box on a form is drawn with. Defaults are the floors of the issue plus a margin for large hands.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Style {
    pub cell_w: f32,
    pub cell_h: f32,
    /// Space between two comb cells, so that a character never touches its neighbour's box.
    pub cell_gap: f32,
    /// Extra space between the groups of a comb (`groups = [8, 4]`).
    pub group_gap: f32,
    pub tick: f32,
    pub text_h: f32,
    /// Space between two rows of fields, and after a section. A later version may set them tighter to make room
    /// for what it adds; version 1 was laid out with these defaults and keeps them.
    pub row_gap: f32,
    pub section_gap: f32,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            cell_w: 6.0,
            cell_h: 8.0,
            cell_gap: 1.0,
            group_gap: 3.0,
            tick: 5.0,
            text_h: 12.0,
            row_gap: 2.8,
            section_gap: 3.0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageDefinition {
    #[serde(rename = "section")]
    pub sections: Vec<SectionDefinition>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDefinition {
    pub heading: String,
    /// A short explanation printed under the heading.
    #[serde(default)]
    pub note: String,
    #[serde(default, rename = "field")]
    pub fields: Vec<FieldDefinition>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawField")]
pub struct FieldDefinition {
    /// Stable identifier across versions (`patient.personnummer`).
    pub name: String,
    pub label: String,
    /// A hint printed after the label in a lighter type ("ÅÅÅÅMMDD").
    pub hint: String,
    pub kind: FieldKind,
    /// Start this field on a new row.
    pub new_row: bool,
    /// Width in millimetres for `text` and `choice` fields; combs take their natural width.
    pub width: Option<f32>,
    /// Stretch to the right edge of the content area.
    pub fill: bool,
    /// Explicit position (top-left of the field's label, mm from the page's top-left), outside the flow.
    pub at: Option<[f32; 2]>,
    /// The value check intake and the on-screen form apply (`personnummer`, `date`, ...).
    pub check: Option<Check>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub enum FieldKind {
    Comb {
        cells: usize,
        charset: Charset,
        /// Visual grouping of the cells, e.g. `[8, 4]` for a personnummer; sums to the cells of one row.
        groups: Vec<usize>,
        /// Rows of cells; `cells` is the total over all rows.
        rows: usize,
        /// This comb's cell width and the space between its cells, where they differ from the form's style: a long
        /// identifier (a 31-character HSA-id) on one row in cells at the smallest size a hand writes in.
        cell_w: Option<f32>,
        cell_gap: Option<f32>,
    },
    Choice {
        multiple: bool,
        options: Vec<OptionDefinition>,
        /// Lay the options out in this many columns instead of one line.
        columns: Option<usize>,
    },
    Text {
        height: Option<f32>,
    },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindTag {
    Comb,
    Choice,
    Text,
}

/// A field as written: every key of every kind, so that a misspelt key is an error rather than ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: String,
    label: String,
    #[serde(default)]
    hint: String,
    kind: KindTag,
    #[serde(default)]
    new_row: bool,
    width: Option<f32>,
    #[serde(default)]
    fill: bool,
    at: Option<[f32; 2]>,
    check: Option<Check>,
    #[serde(default)]
    required: bool,
    cells: Option<usize>,
    charset: Option<Charset>,
    #[serde(default)]
    groups: Vec<usize>,
    rows: Option<usize>,
    cell_w: Option<f32>,
    cell_gap: Option<f32>,
    #[serde(default)]
    multiple: bool,
    #[serde(default)]
    options: Vec<OptionDefinition>,
    columns: Option<usize>,
    height: Option<f32>,
}

impl TryFrom<RawField> for FieldDefinition {
    type Error = String;

    fn try_from(raw: RawField) -> Result<Self, String> {
        let name = &raw.name;
        let misplaced = |keys: &[(&str, bool)]| -> Result<(), String> {
            match keys.iter().find(|(_, present)| *present) {
                Some((key, _)) => Err(format!(
                    "{name}: '{key}' hör inte till fält av typen {:?}",
                    raw.kind
                )),
                None => Ok(()),
            }
        };
        // Millimetres the layout adds and divides: a number outside an A4 page's range (or not a number) is an
        // error here, not a page laid out wrong.
        for (key, value, range) in [
            ("cell_w", raw.cell_w, 1.0..=30.0),
            ("cell_gap", raw.cell_gap, 0.0..=10.0),
            ("height", raw.height, 1.0..=250.0),
        ] {
            if let Some(v) = value
                && !range.contains(&v)
            {
                return Err(format!(
                    "{name}: '{key}' ska vara {}–{} mm",
                    range.start(),
                    range.end()
                ));
            }
        }
        let kind = match raw.kind {
            KindTag::Comb => {
                misplaced(&[
                    ("options", !raw.options.is_empty()),
                    ("multiple", raw.multiple),
                    ("columns", raw.columns.is_some()),
                    ("height", raw.height.is_some()),
                ])?;
                let cells = raw
                    .cells
                    .ok_or_else(|| format!("{name}: en kamruta behöver 'cells'"))?;
                let rows = raw.rows.unwrap_or(1);
                // Checked before the layout counts with them (found by fuzzing: huge numbers overflowed there).
                // No A4 page holds more cells than this.
                if !(1..=MAX_COMB_CELLS).contains(&cells) || !(1..=cells).contains(&rows) {
                    return Err(format!(
                        "{name}: 'cells' ska vara 1–{MAX_COMB_CELLS} och 'rows' 1–{cells}"
                    ));
                }
                if raw.groups.iter().any(|&g| g == 0 || g > cells) {
                    return Err(format!(
                        "{name}: en grupp i 'groups' ska vara 1–{cells} rutor"
                    ));
                }
                FieldKind::Comb {
                    cells,
                    charset: raw
                        .charset
                        .ok_or_else(|| format!("{name}: en kamruta behöver 'charset'"))?,
                    groups: raw.groups,
                    rows,
                    cell_w: raw.cell_w,
                    cell_gap: raw.cell_gap,
                }
            }
            KindTag::Choice => {
                misplaced(&[
                    ("cells", raw.cells.is_some()),
                    ("charset", raw.charset.is_some()),
                    ("groups", !raw.groups.is_empty()),
                    ("rows", raw.rows.is_some()),
                    ("cell_w", raw.cell_w.is_some()),
                    ("cell_gap", raw.cell_gap.is_some()),
                    ("height", raw.height.is_some()),
                ])?;
                // A zero divided the layout's columns (found by fuzzing).
                if let Some(cols) = raw.columns
                    && !(1..=MAX_CHOICE_COLUMNS).contains(&cols)
                {
                    return Err(format!("{name}: 'columns' ska vara 1–{MAX_CHOICE_COLUMNS}"));
                }
                FieldKind::Choice {
                    multiple: raw.multiple,
                    options: raw.options,
                    columns: raw.columns,
                }
            }
            KindTag::Text => {
                misplaced(&[
                    ("cells", raw.cells.is_some()),
                    ("charset", raw.charset.is_some()),
                    ("options", !raw.options.is_empty()),
                    ("columns", raw.columns.is_some()),
                    ("cell_w", raw.cell_w.is_some()),
                    ("cell_gap", raw.cell_gap.is_some()),
                ])?;
                FieldKind::Text { height: raw.height }
            }
        };
        Ok(FieldDefinition {
            name: raw.name,
            label: raw.label,
            hint: raw.hint,
            kind,
            new_row: raw.new_row,
            width: raw.width,
            fill: raw.fill,
            at: raw.at,
            check: raw.check,
            required: raw.required,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Charset {
    Digits,
    Letters,
    Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDefinition {
    pub value: String,
    pub label: String,
}

/// Value checks shared by intake and the on-screen form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Personnummer or samordningsnummer, 12 digits, Luhn check digit.
    Personnummer,
    /// The 12-character identity whose type is chosen in another field (personnummer, samordningsnummer,
    /// reservnummer). On digit cells (version 1 forms) it is 12 digits; on text cells (version 2) a reservnummer may
    /// have letters, while a personnummer or samordningsnummer is still 12 digits with its check digit.
    Identitet,
    /// Birth year and last four digits (STI/HIV forms).
    Rikskod,
    /// A birth year, four digits, not in the future and not more than 130 years back.
    Year,
    /// An age in whole years, 0–130.
    Age,
    /// YYYYMMDD, a real date, not in the future.
    Date,
    HsaId,
    Postnummer,
    Phone,
    /// A county code from `data/regions.csv`.
    Lan,
    /// A country name or ISO code from `data/countries.csv`.
    Country,
    /// A disease from `data/diseases.csv`.
    Disease,
}

/// Cross-field rules, kept as data so that intake and the on-screen form apply the same ones.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleDefinition {
    /// The dates, where present, must not decrease in the order given.
    DateOrder {
        fields: Vec<String>,
        message: String,
    },
    /// If `field` has `value` ticked, `then` must be filled in.
    Requires {
        field: String,
        value: String,
        then: Vec<String>,
        message: String,
    },
    /// If `field` has `value` ticked, at least one of `any` must be filled in (birth year or age).
    RequiresAny {
        field: String,
        value: String,
        any: Vec<String>,
        message: String,
    },
}
