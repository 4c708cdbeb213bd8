//! The layout step: a form definition in, every box and every printed text in millimetres out.
//!
//! Fields flow left to right in the order written and wrap to a new row when the content width is used up;
//! sections stack down the page. The result drives the renderer, the `layout` export, intake and the
//! verification screen, so it is computed once per form version and cached in the registry.

use super::definition::{Charset, Check, FieldDefinition, FieldKind, FormDefinition, FormKind};
use super::page::{self, Rect};
use crate::fonts::{self, Face, PT_TO_MM};
use serde::Serialize;

pub const LABEL_PT: f32 = 7.5;
pub const OPTION_PT: f32 = 8.0;
const LABEL_BLOCK: f32 = 3.7;
const FIELD_GAP_X: f32 = 5.0;
const HEADING_H: f32 = 6.0;
const OPTION_GAP: f32 = 5.0;
const OPTION_ROW_GAP: f32 = 2.0;
const OPTION_LABEL_GAP: f32 = 1.5;
const COMB_ROW_GAP: f32 = 1.5;

#[derive(Debug, Clone, Serialize)]
pub struct FormLayout {
    pub form: String,
    pub version: u32,
    pub code: String,
    pub kind: FormKind,
    pub title: String,
    pub pages: Vec<PageLayout>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageLayout {
    /// 1-based page number within this form (a supplement's pages count from 1 too).
    pub page: usize,
    pub fields: Vec<FieldLayout>,
    /// Everything static that is printed besides the boxes: headings, labels, notes.
    #[serde(skip)]
    pub drawing: Vec<Primitive>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldLayout {
    pub name: String,
    pub label: String,
    pub section: String,
    pub check: Option<Check>,
    pub required: bool,
    pub geometry: Geometry,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Geometry {
    Comb {
        charset: Charset,
        cells: Vec<Rect>,
    },
    Choice {
        multiple: bool,
        options: Vec<OptionBox>,
    },
    Text {
        rect: Rect,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionBox {
    pub value: String,
    pub label: String,
    pub rect: Rect,
}

impl FieldLayout {
    /// Every box of the field: the comb cells, the tick boxes or the writing box.
    pub fn boxes(&self) -> Vec<Rect> {
        match &self.geometry {
            Geometry::Comb { cells, .. } => cells.clone(),
            Geometry::Choice { options, .. } => options.iter().map(|o| o.rect).collect(),
            Geometry::Text { rect } => vec![*rect],
        }
    }
}

/// Static drawing, in page millimetres from the top-left. Text positions are baselines.
#[derive(Debug, Clone)]
pub enum Primitive {
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        grey: f32,
        text: String,
    },
    /// A filled rectangle (section heading bars, corner marks).
    Fill { rect: Rect, grey: f32 },
    /// A stroked rectangle (boxes), line width in millimetres.
    Stroke { rect: Rect, width: f32 },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        grey: f32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LayoutError(pub String);

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lays out every page of `def`. Overflow is an error naming the page and the field that did not fit.
pub fn lay_out(def: &FormDefinition) -> Result<FormLayout, LayoutError> {
    let mut pages = Vec::with_capacity(def.pages.len());
    for (index, page_def) in def.pages.iter().enumerate() {
        let number = index + 1;
        let first_of_main = number == 1 && def.kind == FormKind::Main;
        let mut cursor = PageCursor::new(def, number, first_of_main);
        for section in &page_def.sections {
            cursor.section(&section.heading, &section.note)?;
            for field in &section.fields {
                cursor.field(field, &section.heading)?;
            }
            cursor.end_section();
        }
        pages.push(PageLayout {
            page: number,
            fields: cursor.fields,
            drawing: cursor.drawing,
        });
    }
    Ok(FormLayout {
        form: def.form.clone(),
        version: def.version,
        code: def.code.clone(),
        kind: def.kind,
        title: def.title.clone(),
        pages,
    })
}

struct PageCursor<'a> {
    def: &'a FormDefinition,
    page: usize,
    x: f32,
    y: f32,
    row_h: f32,
    fields: Vec<FieldLayout>,
    drawing: Vec<Primitive>,
}

impl<'a> PageCursor<'a> {
    fn new(def: &'a FormDefinition, page: usize, first_of_main: bool) -> Self {
        let mut cursor = PageCursor {
            def,
            page,
            x: page::CONTENT_LEFT,
            y: if first_of_main {
                page::BODY_TOP_FIRST
            } else {
                page::BODY_TOP_OTHER
            },
            row_h: 0.0,
            fields: Vec::new(),
            drawing: Vec::new(),
        };
        cursor.header(first_of_main);
        cursor
    }

    fn text(&mut self, x: f32, y: f32, size: f32, face: Face, grey: f32, text: &str) {
        self.drawing.push(Primitive::Text {
            x,
            y,
            size,
            face,
            grey,
            text: text.to_string(),
        });
    }

    /// Title and instructions. The parts that depend on the copy (ID, address, page count) are the renderer's.
    fn header(&mut self, first_of_main: bool) {
        let def = self.def;
        let left = page::CONTENT_LEFT + 5.0;
        if first_of_main {
            self.text(left, 13.5, 8.0, Face::Regular, 0.25, &def.legal_basis);
            self.text(left, 22.0, 18.0, Face::Bold, 0.0, &def.title);
            self.text(left, 28.0, 9.5, Face::Regular, 0.0, &def.subtitle);
            self.instructions();
        } else if def.kind == FormKind::Supplement && self.page == 1 {
            self.text(
                left,
                13.5,
                8.0,
                Face::Regular,
                0.25,
                "Tilläggsuppgifter – skickas tillsammans med anmälan",
            );
            self.text(left, 22.0, 15.0, Face::Bold, 0.0, &def.title);
            self.text(left, 28.0, 9.0, Face::Regular, 0.0, &def.subtitle);
        } else {
            self.text(left, 13.5, 8.0, Face::Regular, 0.25, &def.legal_basis);
            let title = format!("{} (forts.)", def.title);
            self.text(left, 21.0, 13.0, Face::Bold, 0.0, &title);
        }
    }

    /// How to fill in the form, with drawn examples, left of the address window.
    fn instructions(&mut self) {
        let style = &self.def.style;
        let frame = Rect::new(page::CONTENT_LEFT, 36.0, 90.0, 38.0);
        self.drawing.push(Primitive::Stroke {
            rect: frame,
            width: 0.2,
        });
        let x = frame.x + 3.0;
        self.text(
            x,
            frame.y + 5.0,
            8.5,
            Face::Bold,
            0.0,
            "Så fyller du i blanketten",
        );
        let mut y = frame.y + 10.0;
        self.text(
            x,
            y,
            7.5,
            Face::Regular,
            0.0,
            "Skriv med svart eller blå penna, en versal eller",
        );
        self.text(
            x,
            y + 3.3,
            7.5,
            Face::Regular,
            0.0,
            "siffra per ruta. Lämna tomma rutor tomma.",
        );
        // Example cells with a character in each.
        let (cw, ch) = (style.cell_w * 0.75, style.cell_h * 0.75);
        let ex = frame.right() - 3.0 - 3.0 * (cw + 0.8);
        for (i, c) in ["A", "B", "7"].iter().enumerate() {
            let r = Rect::new(ex + i as f32 * (cw + 0.8), y - 3.5, cw, ch);
            self.drawing.push(Primitive::Stroke {
                rect: r,
                width: 0.2,
            });
            let w = fonts::metrics(Face::Regular).width_mm(c, 11.0);
            self.text(
                r.x + (cw - w) / 2.0,
                r.bottom() - 1.3,
                11.0,
                Face::Regular,
                0.3,
                c,
            );
        }
        y += 9.0;
        self.text(x, y, 7.5, Face::Regular, 0.0, "Kryssa så här:");
        let tick = style.tick * 0.8;
        let tx = x + fonts::metrics(Face::Regular).width_mm("Kryssa så här:", 7.5) + 2.0;
        let tr = Rect::new(tx, y - tick + 1.0, tick, tick);
        self.drawing.push(Primitive::Stroke {
            rect: tr,
            width: 0.2,
        });
        self.drawing.push(Primitive::Line {
            from: (tr.x + 0.8, tr.y + 0.8),
            to: (tr.right() - 0.8, tr.bottom() - 0.8),
            width: 0.45,
            grey: 0.2,
        });
        self.drawing.push(Primitive::Line {
            from: (tr.right() - 0.8, tr.y + 0.8),
            to: (tr.x + 0.8, tr.bottom() - 0.8),
            width: 0.45,
            grey: 0.2,
        });
        self.text(
            tr.right() + 2.0,
            y,
            7.5,
            Face::Regular,
            0.0,
            "Ångra ett kryss: fyll rutan helt.",
        );
        y += 6.0;
        let send = if self.def.deadline_next_day {
            "Skicka blanketten senast dagen efter till smittskyddsläkaren i den region där du arbetar. Vik arket på mitten och lägg det i ett C5-kuvert med fönster."
        } else {
            "Skicka blanketten till smittskyddsläkaren i den region där du arbetar. Vik arket på mitten och lägg det i ett C5-kuvert med fönster."
        };
        for line in fonts::metrics(Face::Regular).wrap(send, 7.5, frame.w - 6.0) {
            self.text(x, y, 7.5, Face::Regular, 0.0, &line);
            y += 3.3;
        }
    }

    fn section(&mut self, heading: &str, note: &str) -> Result<(), LayoutError> {
        let bar = Rect::new(
            page::CONTENT_LEFT,
            self.y,
            page::CONTENT_RIGHT - page::CONTENT_LEFT,
            HEADING_H,
        );
        self.drawing.push(Primitive::Fill {
            rect: bar,
            grey: 0.87,
        });
        self.text(bar.x + 2.0, bar.y + 4.2, 9.5, Face::Bold, 0.0, heading);
        self.y = bar.bottom() + 2.2;
        if !note.is_empty() {
            let metrics = fonts::metrics(Face::Regular);
            for line in metrics.wrap(note, LABEL_PT, bar.w - 4.0) {
                self.y += 2.9;
                self.text(bar.x + 2.0, self.y, LABEL_PT, Face::Regular, 0.25, &line);
            }
            self.y += 2.0;
        }
        self.x = page::CONTENT_LEFT;
        self.row_h = 0.0;
        self.check_bottom(heading)
    }

    fn end_section(&mut self) {
        self.y += self.row_h + self.def.style.section_gap;
        self.row_h = 0.0;
        self.x = page::CONTENT_LEFT;
    }

    fn check_bottom(&self, what: &str) -> Result<(), LayoutError> {
        if self.y + self.row_h > page::BODY_BOTTOM {
            return Err(LayoutError(format!(
                "{} v{}: sidan {} räcker inte till, '{}' slutar {:.1} mm under sidans nedre fältgräns",
                self.def.form,
                self.def.version,
                self.page,
                what,
                self.y + self.row_h - page::BODY_BOTTOM
            )));
        }
        Ok(())
    }

    fn field(&mut self, field: &FieldDefinition, section: &str) -> Result<(), LayoutError> {
        let content_w = page::CONTENT_RIGHT - page::CONTENT_LEFT;
        let label_w = label_width(field);
        let natural = natural_width(field, &self.def.style).max(label_w);
        if natural > content_w + 1e-3 {
            return Err(LayoutError(format!(
                "{} v{}: fältet {} är {natural:.1} mm brett, mer än sidans {content_w:.0} mm",
                self.def.form, self.def.version, field.name
            )));
        }
        let origin = match field.at {
            Some([x, y]) => (x, y),
            None => {
                let needs_new_row = field.new_row || self.x + natural > page::CONTENT_RIGHT + 1e-3;
                if needs_new_row && self.x > page::CONTENT_LEFT {
                    self.y += self.row_h + self.def.style.row_gap;
                    self.x = page::CONTENT_LEFT;
                    self.row_h = 0.0;
                }
                (self.x, self.y)
            }
        };
        let width = if field.fill && field.at.is_none() {
            page::CONTENT_RIGHT - origin.0
        } else {
            natural
        };
        let (geometry, height) = place(field, &self.def.style, origin, width);
        self.text(
            origin.0,
            origin.1 + 2.7,
            LABEL_PT,
            Face::Regular,
            0.0,
            &field.label,
        );
        if !field.hint.is_empty() {
            let x = origin.0 + fonts::metrics(Face::Regular).width_mm(&field.label, LABEL_PT) + 1.2;
            self.text(
                x,
                origin.1 + 2.7,
                LABEL_PT - 0.5,
                Face::Regular,
                0.4,
                &field.hint,
            );
        }
        self.draw_geometry(&geometry, field);
        if field.at.is_none() {
            self.x = origin.0 + width + FIELD_GAP_X;
            self.row_h = self.row_h.max(height);
            self.check_bottom(&field.name)?;
        }
        self.fields.push(FieldLayout {
            name: field.name.clone(),
            label: field.label.clone(),
            section: section.to_string(),
            check: field.check,
            required: field.required,
            geometry,
        });
        Ok(())
    }

    fn draw_geometry(&mut self, geometry: &Geometry, field: &FieldDefinition) {
        match geometry {
            Geometry::Comb { cells, .. } => {
                for cell in cells {
                    self.drawing.push(Primitive::Stroke {
                        rect: *cell,
                        width: 0.25,
                    });
                }
                // A dash between the groups of a personnummer-like comb reads as the familiar "YYYYMMDD-NNNN".
                let dashed = matches!(
                    field.check,
                    Some(Check::Date | Check::Personnummer | Check::Identitet | Check::Rikskod)
                );
                if let FieldKind::Comb { groups, .. } = &field.kind
                    && dashed
                    && groups.len() > 1
                {
                    let mut index = 0;
                    for group in &groups[..groups.len() - 1] {
                        index += group;
                        if let (Some(a), Some(b)) = (cells.get(index - 1), cells.get(index))
                            && (a.y - b.y).abs() < 1e-3
                        {
                            let mid = (a.right() + b.x) / 2.0;
                            let y = a.y + a.h / 2.0;
                            self.drawing.push(Primitive::Line {
                                from: (mid - 0.8, y),
                                to: (mid + 0.8, y),
                                width: 0.3,
                                grey: 0.3,
                            });
                        }
                    }
                }
            }
            Geometry::Choice { options, .. } => {
                for option in options {
                    self.drawing.push(Primitive::Stroke {
                        rect: option.rect,
                        width: 0.3,
                    });
                    let baseline =
                        option.rect.y + option.rect.h / 2.0 + OPTION_PT * PT_TO_MM * 0.35;
                    let label = option.label.clone();
                    self.text(
                        option.rect.right() + OPTION_LABEL_GAP,
                        baseline,
                        OPTION_PT,
                        Face::Regular,
                        0.0,
                        &label,
                    );
                }
            }
            Geometry::Text { rect } => self.drawing.push(Primitive::Stroke {
                rect: *rect,
                width: 0.25,
            }),
        }
    }
}

fn label_width(field: &FieldDefinition) -> f32 {
    let m = fonts::metrics(Face::Regular);
    let mut w = m.width_mm(&field.label, LABEL_PT);
    if !field.hint.is_empty() {
        w += 1.2 + m.width_mm(&field.hint, LABEL_PT - 0.5);
    }
    w
}

fn comb_row_width(cells_in_row: usize, groups: &[usize], style: &super::definition::Style) -> f32 {
    let n = cells_in_row as f32;
    let group_breaks = groups.len().saturating_sub(1) as f32;
    n * style.cell_w + (n - 1.0).max(0.0) * style.cell_gap + group_breaks * style.group_gap
}

fn option_width(label: &str, tick: f32) -> f32 {
    tick + OPTION_LABEL_GAP + fonts::metrics(Face::Regular).width_mm(label, OPTION_PT)
}

/// The style a field is drawn with: the form's, with the comb's own cell size where it gives one.
fn field_style(
    field: &FieldDefinition,
    style: &super::definition::Style,
) -> super::definition::Style {
    let mut own = style.clone();
    if let FieldKind::Comb {
        cell_w, cell_gap, ..
    } = &field.kind
    {
        if let Some(w) = cell_w {
            own.cell_w = *w;
        }
        if let Some(g) = cell_gap {
            own.cell_gap = *g;
        }
    }
    own
}

/// The width a field takes when nothing stretches it.
fn natural_width(field: &FieldDefinition, style: &super::definition::Style) -> f32 {
    let style = &field_style(field, style);
    match &field.kind {
        FieldKind::Comb {
            cells,
            groups,
            rows,
            ..
        } => comb_row_width(cells.div_ceil(*rows.max(&1)), groups, style),
        FieldKind::Choice {
            options, columns, ..
        } => match (field.width, columns) {
            (Some(w), _) => w,
            (None, Some(cols)) => {
                let widest = options
                    .iter()
                    .map(|o| option_width(&o.label, style.tick))
                    .fold(0.0, f32::max);
                *cols as f32 * (widest + OPTION_GAP) - OPTION_GAP
            }
            (None, None) => {
                options
                    .iter()
                    .map(|o| option_width(&o.label, style.tick) + OPTION_GAP)
                    .sum::<f32>()
                    - OPTION_GAP
            }
        },
        FieldKind::Text { .. } => field.width.unwrap_or(if field.fill { 40.0 } else { 60.0 }),
    }
}

/// Computes the boxes of one field whose label's top-left is `origin`, and the block's height.
fn place(
    field: &FieldDefinition,
    style: &super::definition::Style,
    origin: (f32, f32),
    width: f32,
) -> (Geometry, f32) {
    let style = &field_style(field, style);
    let top = origin.1 + LABEL_BLOCK;
    match &field.kind {
        FieldKind::Comb {
            cells,
            charset,
            groups,
            rows,
            ..
        } => {
            let rows = (*rows).max(1);
            let per_row = cells.div_ceil(rows);
            let mut rects = Vec::with_capacity(*cells);
            for row in 0..rows {
                let y = top + row as f32 * (style.cell_h + COMB_ROW_GAP);
                let mut x = origin.0;
                let mut group_end = groups.first().copied().unwrap_or(usize::MAX);
                let mut group_index = 0;
                for i in 0..per_row.min(cells.saturating_sub(row * per_row)) {
                    if i == group_end {
                        x += style.group_gap;
                        group_index += 1;
                        group_end = group_end
                            .saturating_add(groups.get(group_index).copied().unwrap_or(usize::MAX));
                    }
                    rects.push(Rect::new(x, y, style.cell_w, style.cell_h));
                    x += style.cell_w + style.cell_gap;
                }
            }
            let height =
                LABEL_BLOCK + rows as f32 * style.cell_h + (rows - 1) as f32 * COMB_ROW_GAP;
            (
                Geometry::Comb {
                    charset: *charset,
                    cells: rects,
                },
                height,
            )
        }
        FieldKind::Choice {
            multiple,
            options,
            columns,
        } => {
            let mut boxes = Vec::with_capacity(options.len());
            let line_h = style.tick + OPTION_ROW_GAP;
            match columns {
                Some(cols) => {
                    let col_w = (width + OPTION_GAP) / *cols as f32;
                    for (i, o) in options.iter().enumerate() {
                        let x = origin.0 + (i % cols) as f32 * col_w;
                        let y = top + (i / cols) as f32 * line_h;
                        boxes.push(OptionBox {
                            value: o.value.clone(),
                            label: o.label.clone(),
                            rect: Rect::new(x, y, style.tick, style.tick),
                        });
                    }
                }
                None => {
                    let (mut x, mut y) = (origin.0, top);
                    for o in options {
                        let w = option_width(&o.label, style.tick);
                        if x > origin.0 && x + w > origin.0 + width + 1e-3 {
                            x = origin.0;
                            y += line_h;
                        }
                        boxes.push(OptionBox {
                            value: o.value.clone(),
                            label: o.label.clone(),
                            rect: Rect::new(x, y, style.tick, style.tick),
                        });
                        x += w + OPTION_GAP;
                    }
                }
            }
            let bottom = boxes.iter().map(|b| b.rect.bottom()).fold(top, f32::max);
            (
                Geometry::Choice {
                    multiple: *multiple,
                    options: boxes,
                },
                bottom - origin.1,
            )
        }
        FieldKind::Text { height } => {
            let h = height.unwrap_or(style.text_h);
            (
                Geometry::Text {
                    rect: Rect::new(origin.0, top, width, h),
                },
                LABEL_BLOCK + h,
            )
        }
    }
}
