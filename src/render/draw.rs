//! Layout primitives (millimetres, origin top-left) to PDF content operators (points, origin bottom-left).

use crate::fonts::{self, Face};
use crate::forms::layout::Primitive;
use crate::forms::page::{self, Rect};
use pdf_writer::{Content, Name, Str};

pub const MM: f32 = 72.0 / 25.4;

pub fn x(mm: f32) -> f32 {
    mm * MM
}

pub fn y(mm: f32) -> f32 {
    (page::PAGE_H - mm) * MM
}

pub fn font_name(face: Face) -> Name<'static> {
    match face {
        Face::Regular => Name(b"F1"),
        Face::Bold => Name(b"F2"),
    }
}

pub fn text(
    content: &mut Content,
    x_mm: f32,
    baseline_mm: f32,
    size: f32,
    face: Face,
    grey: f32,
    s: &str,
) {
    if s.is_empty() {
        return;
    }
    content.set_fill_gray(grey);
    content.begin_text();
    content.set_font(font_name(face), size);
    content.next_line(x(x_mm), y(baseline_mm));
    content.show(Str(&fonts::encode(s)));
    content.end_text();
}

/// Text whose right edge is at `right_mm`.
pub fn text_right(
    content: &mut Content,
    right_mm: f32,
    baseline_mm: f32,
    size: f32,
    face: Face,
    grey: f32,
    s: &str,
) {
    let w = fonts::metrics(face).width_mm(s, size);
    text(content, right_mm - w, baseline_mm, size, face, grey, s);
}

pub fn rect_path(content: &mut Content, r: &Rect) {
    content.rect(x(r.x), y(r.bottom()), r.w * MM, r.h * MM);
}

pub fn primitive(content: &mut Content, p: &Primitive) {
    match p {
        Primitive::Text {
            x,
            y,
            size,
            face,
            grey,
            text: s,
        } => text(content, *x, *y, *size, *face, *grey, s),
        Primitive::Fill { rect, grey } => {
            content.set_fill_gray(*grey);
            rect_path(content, rect);
            content.fill_nonzero();
        }
        Primitive::Stroke { rect, width } => {
            content.set_stroke_gray(0.0);
            content.set_line_width(width * MM);
            rect_path(content, rect);
            content.stroke();
        }
        Primitive::Line {
            from,
            to,
            width,
            grey,
        } => {
            content.set_stroke_gray(*grey);
            content.set_line_width(width * MM);
            content.move_to(x(from.0), y(from.1));
            content.line_to(x(to.0), y(to.1));
            content.stroke();
        }
    }
}
